import { Cause, type Duration, Effect, Exit, ManagedRuntime, Stream } from "effect"
import type { RunView } from "../Domain/Run.js"
import type { RunPage } from "../Domain/RunListing.js"
import {
  type AwaitCompletionOptions,
  type CreateRunOptions,
  type ListRunsOptions,
  RunsClient,
  type RunsClientOptions
} from "./RunsClient.js"

export interface Abortable {
  readonly signal?: AbortSignal
}

/**
 * The client for callers who do not use Effect: the same methods, as Promises. A failure rejects
 * with the same error classes (`err instanceof RunNotFound`); an aborted call rejects with the
 * signal's reason. Durations are milliseconds, or strings such as "30 seconds".
 */
export class PromiseRunsClient {
  readonly #runtime: ManagedRuntime.ManagedRuntime<RunsClient, never>

  constructor(options: RunsClientOptions) {
    this.#runtime = ManagedRuntime.make(RunsClient.layer(options))
  }

  async #run<A, E>(effect: Effect.Effect<A, E, RunsClient>, signal: AbortSignal | undefined): Promise<A> {
    const exit = await this.#runtime.runPromiseExit(effect, signal === undefined ? {} : { signal })
    if (Exit.isSuccess(exit)) return exit.value
    if (signal?.aborted && Cause.isInterruptedOnly(exit.cause)) throw signal.reason
    throw Cause.squash(exit.cause)
  }

  createRun(seconds: number, options: CreateRunOptions & Abortable = {}): Promise<RunView> {
    return this.#run(RunsClient.use((client) => client.createRun(seconds, options)), options.signal)
  }

  getRun(id: string, options: { readonly wait?: Duration.DurationInput } & Abortable = {}): Promise<RunView> {
    return this.#run(RunsClient.use((client) => client.getRun(id, options)), options.signal)
  }

  listRuns(options: ListRunsOptions & Abortable = {}): Promise<RunPage> {
    return this.#run(RunsClient.use((client) => client.listRuns(options)), options.signal)
  }

  awaitCompletion(id: string, options: AwaitCompletionOptions & Abortable = {}): Promise<RunView> {
    return this.#run(RunsClient.use((client) => client.awaitCompletion(id, options)), options.signal)
  }

  /**
   * The run's states as they change, until it is FINISHED: `for await (const run of client.events(id))`.
   * Breaking out of the loop closes the stream; an abort ends it and rejects with the signal's reason.
   */
  async *events(id: string, options: { readonly lastEventId?: string } & Abortable = {}): AsyncGenerator<RunView> {
    const { signal } = options
    signal?.throwIfAborted()
    const runtime = await this.#runtime.runtime()
    const states = Stream.unwrap(RunsClient.use((client) => client.events(id, options)))
    const aborted = Effect.async<void>((resume) => {
      const onAbort = () => resume(Effect.void)
      signal?.addEventListener("abort", onAbort, { once: true })
      return Effect.sync(() => signal?.removeEventListener("abort", onAbort))
    })
    yield* Stream.toAsyncIterableRuntime(signal === undefined ? states : Stream.interruptWhen(states, aborted), runtime)
    signal?.throwIfAborted()
  }

  /** Closes the client's connections. */
  close(): Promise<void> {
    return this.#runtime.dispose()
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }
}
