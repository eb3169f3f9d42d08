import { randomUUID } from "node:crypto";
import { HttpApiClient, HttpClient } from "@effect/platform";
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient";
import { Context, Duration, Effect, Layer, ParseResult, Schedule, Schema } from "effect";
import { Api } from "../Api.js";
import { MAX_WAIT_SECONDS } from "../Domain/LongPoll.js";
import { CreateRun } from "../Domain/Run.js";
import { RunCursor } from "../Domain/RunListing.js";
import { TimeoutError, ValidationError } from "./ClientErrors.js";
import { runEventStream } from "./RunEventStream.js";
import { serverAnswers, toClientError } from "./ServerAnswers.js";
export class RunsClientConfig extends Context.Tag("faulty-runs/RunsClientConfig")() {
}
/** Network errors and an unavailable server are worth another try; anything else is an answer. */
const isTransient = (error) => error._tag === "NetworkError" || (error._tag === "ServerError" && (error.status === 502 || error.status === 503 || error.status === 504));
const backoff = Schedule.exponential("200 millis").pipe(Schedule.jittered, Schedule.upTo("5 seconds"));
/** A 429 waits what its Retry-After says (if that is not too long); transient failures back off. */
const creationRetries = (retries, maxRetryAfter) => Schedule.identity().pipe(Schedule.whileInput((error) => error._tag === "TooManyRuns"
    ? Duration.lessThanOrEqualTo(Duration.seconds(error.retryAfter), maxRetryAfter)
    : isTransient(error)), Schedule.intersect(Schedule.recurs(retries)), Schedule.intersect(Schedule.exponential("200 millis")), Schedule.modifyDelay(([[error]], delay) => (error._tag === "TooManyRuns" ? Duration.seconds(error.retryAfter) : delay)));
/** Checks an argument before anything is sent, with the same messages the server would give. */
const validated = (schema, input) => Schema.decodeUnknown(schema)(input).pipe(Effect.mapError((error) => new ValidationError({
    status: undefined,
    message: ParseResult.ArrayFormatter.formatErrorSync(error)
        .map((issue) => issue.message)
        .join("; ")
})));
const Retries = Schema.Int.pipe(Schema.between(0, 1_000)).annotations({ message: () => "retries must be a whole number from 0 to 1000" });
/**
 * The typed client of a faulty-runs service, made from the same HttpApi as the server. Every
 * method fails only with RunsClientError (awaitCompletion also with TimeoutError).
 */
export class RunsClient extends Effect.Service()("faulty-runs/RunsClient", {
    effect: Effect.gen(function* () {
        const { baseUrl } = yield* RunsClientConfig;
        const httpClient = yield* HttpClient.HttpClient;
        const api = yield* HttpApiClient.make(Api, { baseUrl, transformClient: serverAnswers });
        // Like HttpApiClient's own requests: the path goes after the base URL, keeping any prefix of it.
        const urlOf = (path) => baseUrl.toString().replace(/\/+$/, "") + path;
        const createRun = (seconds, options = {}) => Effect.gen(function* () {
            const payload = yield* validated(CreateRun, { seconds });
            const retries = yield* validated(Retries, options.retries ?? 5);
            // One key for every retry of this call: a retry can never create a second run.
            const key = options.idempotencyKey ?? randomUUID();
            return yield* api.runs.create({ payload, headers: { "idempotency-key": key } }).pipe(Effect.catchAll(toClientError), Effect.retry(creationRetries(retries, Duration.decode(options.maxRetryAfter ?? "1 minute"))));
        });
        /** The run now, or with `wait` when it finishes (or when the wait, at most 30 s, is over). */
        const getRun = (id, options = {}) => {
            const wait = options.wait === undefined ? undefined : Duration.toSeconds(Duration.decode(options.wait));
            return api.runs
                .get({ path: { id: encodeURIComponent(id) }, urlParams: wait === undefined ? {} : { wait: Math.min(wait, MAX_WAIT_SECONDS) } })
                .pipe(Effect.catchAll(toClientError));
        };
        const listRuns = (options = {}) => Effect.gen(function* () {
            const cursor = options.cursor === undefined ? undefined : yield* validated(RunCursor, options.cursor);
            return yield* api.runs
                .list({
                urlParams: {
                    ...(options.status === undefined ? {} : { status: options.status }),
                    ...(options.limit === undefined ? {} : { limit: options.limit }),
                    ...(cursor === undefined ? {} : { cursor })
                }
            })
                .pipe(Effect.catchAll(toClientError));
        });
        /** The run's states as the server pushes them (SSE), until it is FINISHED. */
        const events = (id, options = {}) => runEventStream(httpClient, urlOf(`/runs/${encodeURIComponent(id)}/events`), options.lastEventId);
        const longPolls = (id) => Effect.gen(function* () {
            while (true) {
                const run = yield* getRun(id, { wait: Duration.seconds(MAX_WAIT_SECONDS) }).pipe(Effect.retry({ schedule: backoff, while: isTransient }));
                if (run.status === "FINISHED")
                    return run;
            }
        });
        const shortPolls = (id, interval) => Effect.gen(function* () {
            while (true) {
                const run = yield* getRun(id).pipe(Effect.retry({ schedule: backoff, while: isTransient }));
                if (run.status === "FINISHED")
                    return run;
                yield* Effect.sleep(interval);
            }
        });
        /**
         * The run once it is FINISHED. The timeout interrupts whatever request is in flight, so the
         * answer never comes later than the timeout.
         */
        const awaitCompletion = (id, options = {}) => {
            const polls = options.mode === "short" ? shortPolls(id, Duration.decode(options.pollInterval ?? "1 second")) : longPolls(id);
            if (options.timeout === undefined)
                return polls;
            const timeout = Duration.decode(options.timeout);
            return polls.pipe(Effect.timeoutFail({
                duration: timeout,
                onTimeout: () => new TimeoutError({ message: `run ${id} did not finish within ${Duration.format(timeout)}` })
            }));
        };
        return { createRun, getRun, listRuns, events, awaitCompletion };
    })
}) {
    /** The client with its own HTTP connection pool (undici), closed with the layer. */
    static layer = (options) => RunsClient.Default.pipe(Layer.provide(Layer.succeed(RunsClientConfig, options)), Layer.provide(NodeHttpClient.layerUndici));
}
