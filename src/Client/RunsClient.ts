import { randomUUID } from "node:crypto"
import { HttpApiClient, HttpClient } from "@effect/platform"
import { Context, Duration, Effect, Layer, ParseResult, Schedule, Schema } from "effect"
import { Api } from "../Api.js"
import { MAX_WAIT_SECONDS } from "../Domain/LongPoll.js"
import { CreateRun, type RunStatus, type RunView } from "../Domain/Run.js"
import { RunCursor } from "../Domain/RunListing.js"
import { type RunsClientError, TimeoutError, ValidationError } from "./ClientErrors.js"
import * as NodeHttpTransport from "./NodeHttpTransport.js"
import { runEventStream } from "./RunEventStream.js"
import { serverAnswers, toClientError } from "./ServerAnswers.js"

export interface RunsClientOptions {
  /** Where the faulty-runs service listens, e.g. "http://localhost:8080". */
  readonly baseUrl: string | URL
}

export class RunsClientConfig extends Context.Tag("faulty-runs/RunsClientConfig")<RunsClientConfig, RunsClientOptions>() {}

export interface CreateRunOptions {
  /** Sent as Idempotency-Key; a fresh one is made per call when not given. */
  readonly idempotencyKey?: string
  /** Retries after a 429 (waiting Retry-After) or a network error (with backoff). Default 5. */
  readonly retries?: number
  /** A 429 whose Retry-After is longer than this is not waited for. Default 1 minute. */
  readonly maxRetryAfter?: Duration.DurationInput
}

export interface ListRunsOptions {
  readonly status?: RunStatus
  readonly limit?: number
  /** A page's `next_cursor`. */
  readonly cursor?: string
}

export interface AwaitCompletionOptions {
  /** "long": held requests that the server answers when the run finishes (default); "short": a GET every pollInterval. */
  readonly mode?: "long" | "short"
  /** Fails with TimeoutError when the run has not finished by then. Default: no limit. */
  readonly timeout?: Duration.DurationInput
  /** For mode "short". Default 1 second. */
  readonly pollInterval?: Duration.DurationInput
}

/** Network errors and an unavailable server are worth another try; anything else is an answer. */
const isTransient = (error: RunsClientError) =>
  error._tag === "NetworkError" || (error._tag === "ServerError" && (error.status === 502 || error.status === 503 || error.status === 504))

const backoff = Schedule.exponential("200 millis").pipe(Schedule.jittered, Schedule.upTo("5 seconds"))

/** A 429 waits what its Retry-After says (if that is not too long); transient failures back off. */
const creationRetries = (retries: number, maxRetryAfter: Duration.Duration) =>
  Schedule.identity<RunsClientError>().pipe(
    Schedule.whileInput((error: RunsClientError) =>
      error._tag === "TooManyRuns"
        ? Duration.lessThanOrEqualTo(Duration.seconds(error.retryAfter), maxRetryAfter)
        : isTransient(error)
    ),
    Schedule.intersect(Schedule.recurs(retries)),
    Schedule.intersect(Schedule.exponential("200 millis")),
    Schedule.modifyDelay(([[error]], delay) => (error._tag === "TooManyRuns" ? Duration.seconds(error.retryAfter) : delay))
  )

/** Checks an argument before anything is sent, with the same messages the server would give. */
const validated = <A, I>(schema: Schema.Schema<A, I>, input: unknown) =>
  Schema.decodeUnknown(schema)(input).pipe(
    Effect.mapError(
      (error) =>
        new ValidationError({
          status: undefined,
          message: ParseResult.ArrayFormatter.formatErrorSync(error)
            .map((issue) => issue.message)
            .join("; ")
        })
    )
  )

const Retries = Schema.Int.pipe(Schema.between(0, 1_000)).annotations({ message: () => "retries must be a whole number from 0 to 1000" })

/**
 * The typed client of a faulty-runs service, made from the same HttpApi as the server. Every
 * method fails only with RunsClientError (awaitCompletion also with TimeoutError).
 */
export class RunsClient extends Effect.Service<RunsClient>()("faulty-runs/RunsClient", {
  effect: Effect.gen(function* () {
    const { baseUrl } = yield* RunsClientConfig
    const httpClient = yield* HttpClient.HttpClient
    // The runs group only: the client never calls the system endpoints, so their decoders are not built.
    const runs = yield* HttpApiClient.group(Api, { group: "runs", baseUrl, httpClient: serverAnswers(httpClient) })
    // Like HttpApiClient's own requests: the path goes after the base URL, keeping any prefix of it.
    const urlOf = (path: string) => baseUrl.toString().replace(/\/+$/, "") + path

    const createRun = (seconds: number, options: CreateRunOptions = {}): Effect.Effect<RunView, RunsClientError> =>
      Effect.gen(function* () {
        const payload = yield* validated(CreateRun, { seconds })
        const retries = yield* validated(Retries, options.retries ?? 5)
        // One key for every retry of this call: a retry can never create a second run.
        const key = options.idempotencyKey ?? randomUUID()
        return yield* runs.create({ payload, headers: { "idempotency-key": key } }).pipe(
          Effect.catchAll(toClientError),
          Effect.retry(creationRetries(retries, Duration.decode(options.maxRetryAfter ?? "1 minute")))
        )
      })

    /** The run now, or with `wait` when it finishes (or when the wait, at most 30 s, is over). */
    const getRun = (id: string, options: { readonly wait?: Duration.DurationInput } = {}) => {
      const wait = options.wait === undefined ? undefined : Duration.toSeconds(Duration.decode(options.wait))
      return runs
        .get({ path: { id: encodeURIComponent(id) }, urlParams: wait === undefined ? {} : { wait: Math.min(wait, MAX_WAIT_SECONDS) } })
        .pipe(Effect.catchAll(toClientError))
    }

    const listRuns = (options: ListRunsOptions = {}) =>
      Effect.gen(function* () {
        const cursor = options.cursor === undefined ? undefined : yield* validated(RunCursor, options.cursor)
        return yield* runs
          .list({
            urlParams: {
              ...(options.status === undefined ? {} : { status: options.status }),
              ...(options.limit === undefined ? {} : { limit: options.limit }),
              ...(cursor === undefined ? {} : { cursor })
            }
          })
          .pipe(Effect.catchAll(toClientError))
      })

    /** The run's states as the server pushes them (SSE), until it is FINISHED. */
    const events = (id: string, options: { readonly lastEventId?: string } = {}) =>
      runEventStream(httpClient, urlOf(`/runs/${encodeURIComponent(id)}/events`), options.lastEventId)

    const longPolls = (id: string) =>
      Effect.gen(function* () {
        while (true) {
          const run = yield* getRun(id, { wait: Duration.seconds(MAX_WAIT_SECONDS) }).pipe(
            Effect.retry({ schedule: backoff, while: isTransient })
          )
          if (run.status === "FINISHED") return run
        }
      })

    const shortPolls = (id: string, interval: Duration.Duration) =>
      Effect.gen(function* () {
        while (true) {
          const run = yield* getRun(id).pipe(Effect.retry({ schedule: backoff, while: isTransient }))
          if (run.status === "FINISHED") return run
          yield* Effect.sleep(interval)
        }
      })

    /**
     * The run once it is FINISHED. The timeout interrupts whatever request is in flight, so the
     * answer never comes later than the timeout.
     */
    const awaitCompletion = (
      id: string,
      options: AwaitCompletionOptions = {}
    ): Effect.Effect<RunView, RunsClientError | TimeoutError> => {
      const polls =
        options.mode === "short" ? shortPolls(id, Duration.decode(options.pollInterval ?? "1 second")) : longPolls(id)
      if (options.timeout === undefined) return polls
      const timeout = Duration.decode(options.timeout)
      return polls.pipe(
        Effect.timeoutFail({
          duration: timeout,
          onTimeout: () => new TimeoutError({ message: `run ${id} did not finish within ${Duration.format(timeout)}` })
        })
      )
    }

    return { createRun, getRun, listRuns, events, awaitCompletion } as const
  })
}) {
  /**
   * The client over node:http (NodeHttpTransport), neither fetch nor the undici package: both load an
   * undici, which a CLI command would spend much of its start-up on before its first request.
   */
  static layer = (options: RunsClientOptions) =>
    RunsClient.Default.pipe(Layer.provide(Layer.succeed(RunsClientConfig, options)), Layer.provide(NodeHttpTransport.layer))
}
