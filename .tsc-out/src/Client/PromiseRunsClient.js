import { Cause, Effect, Exit, ManagedRuntime, Stream } from "effect";
import { RunsClient } from "./RunsClient.js";
/**
 * The client for callers who do not use Effect: the same methods, as Promises. A failure rejects
 * with the same error classes (`err instanceof RunNotFound`); an aborted call rejects with the
 * signal's reason. Durations are milliseconds, or strings such as "30 seconds".
 */
export class PromiseRunsClient {
    #runtime;
    constructor(options) {
        this.#runtime = ManagedRuntime.make(RunsClient.layer(options));
    }
    async #run(effect, signal) {
        const exit = await this.#runtime.runPromiseExit(effect, signal === undefined ? {} : { signal });
        if (Exit.isSuccess(exit))
            return exit.value;
        if (signal?.aborted && Cause.isInterruptedOnly(exit.cause))
            throw signal.reason;
        throw Cause.squash(exit.cause);
    }
    createRun(seconds, options = {}) {
        return this.#run(RunsClient.use((client) => client.createRun(seconds, options)), options.signal);
    }
    getRun(id, options = {}) {
        return this.#run(RunsClient.use((client) => client.getRun(id, options)), options.signal);
    }
    listRuns(options = {}) {
        return this.#run(RunsClient.use((client) => client.listRuns(options)), options.signal);
    }
    awaitCompletion(id, options = {}) {
        return this.#run(RunsClient.use((client) => client.awaitCompletion(id, options)), options.signal);
    }
    /**
     * The run's states as they change, until it is FINISHED: `for await (const run of client.events(id))`.
     * Breaking out of the loop closes the stream; an abort ends it and rejects with the signal's reason.
     */
    async *events(id, options = {}) {
        const { signal } = options;
        signal?.throwIfAborted();
        const runtime = await this.#runtime.runtime();
        const states = Stream.unwrap(RunsClient.use((client) => client.events(id, options)));
        const aborted = Effect.async((resume) => {
            const onAbort = () => resume(Effect.void);
            signal?.addEventListener("abort", onAbort, { once: true });
            return Effect.sync(() => signal?.removeEventListener("abort", onAbort));
        });
        yield* Stream.toAsyncIterableRuntime(signal === undefined ? states : Stream.interruptWhen(states, aborted), runtime);
        signal?.throwIfAborted();
    }
    /** Closes the client's connections. */
    close() {
        return this.#runtime.dispose();
    }
    [Symbol.asyncDispose]() {
        return this.close();
    }
}
