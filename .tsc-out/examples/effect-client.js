// npx tsx examples/effect-client.ts [base URL]: starts a 3-second run, follows it, prints the result.
import { NodeRuntime } from "@effect/platform-node";
import { Console, Effect, Stream } from "effect";
import { RunsClient } from "faulty-runs/client";
const program = Effect.gen(function* () {
    const client = yield* RunsClient;
    const run = yield* client.createRun(3); // retries 429 and network errors, one Idempotency-Key
    yield* client.events(run.id).pipe(Stream.runForEach((state) => Console.log(`${state.status} ${state.successful_responses_count}`)));
    const done = yield* client.awaitCompletion(run.id, { timeout: "1 minute" });
    yield* Console.log(`${done.id}: ${done.successful_responses_count} successes, sum ${done.sum}`);
}).pipe(Effect.catchTags({
    TooManyRuns: (error) => Console.error(`busy, retry in ${error.retryAfter} s`),
    TimeoutError: (error) => Console.error(error.message)
}));
program.pipe(Effect.provide(RunsClient.layer({ baseUrl: process.argv[2] ?? "http://localhost:8080" })), NodeRuntime.runMain);
