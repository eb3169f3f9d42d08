import { describe, expect, it } from "@effect/vitest";
import { Effect } from "effect";
import { PromiseRunsClient, RunNotFound, TimeoutError, TooManyRuns, ValidationError } from "faulty-runs/client";
import { getRun, stack } from "../support/servers.js";
/** A facade for the life of the test's scope. */
const facadeOf = (base) => Effect.acquireRelease(Effect.sync(() => new PromiseRunsClient({ baseUrl: base.href })), (client) => Effect.promise(() => client.close()));
const settle = (promise) => Effect.promise(async () => {
    const start = Date.now();
    try {
        return { value: await promise(), error: undefined, elapsed: Date.now() - start };
    }
    catch (error) {
        return { value: undefined, error: error, elapsed: Date.now() - start };
    }
});
describe("PromiseRunsClient", () => {
    it.live("creates, awaits and reads runs as Promises; fails with instanceof-able errors", () => Effect.gen(function* () {
        const { base } = yield* stack({ maxConcurrentRuns: 1, maxPendingRuns: 0 });
        const client = yield* facadeOf(base);
        const created = yield* Effect.promise(() => client.createRun(1));
        const done = yield* Effect.promise(() => client.awaitCompletion(created.id, { timeout: 20_000 }));
        expect(done.status).toBe("FINISHED");
        const wire = yield* getRun(base, created.id);
        expect(done.successful_responses_count).toBe(wire.successful_responses_count);
        expect(done.sum).toBe(wire.sum);
        expect((yield* Effect.promise(() => client.listRuns({ limit: 1 }))).runs[0].id).toBe(created.id);
        const missing = yield* settle(() => client.getRun("01ARZ3NDEKTSV4RRFFQ69G5FAV"));
        expect(missing.error).toBeInstanceOf(RunNotFound);
        expect(missing.error).toBeInstanceOf(Error);
        const invalid = yield* settle(() => client.createRun(1.5));
        expect(invalid.error).toBeInstanceOf(ValidationError);
        yield* Effect.promise(() => client.createRun(20));
        const full = yield* settle(() => client.createRun(1, { retries: 0 }));
        expect(full.error).toBeInstanceOf(TooManyRuns);
        expect(full.error.retryAfter).toBeGreaterThanOrEqual(19);
    }).pipe(Effect.scoped));
    it.live("awaitCompletion rejects with TimeoutError within a second of its timeout, long poll in flight", () => Effect.gen(function* () {
        const { base } = yield* stack();
        const client = yield* facadeOf(base);
        const run = yield* Effect.promise(() => client.createRun(30));
        for (const mode of ["long", "short"]) {
            const result = yield* settle(() => client.awaitCompletion(run.id, { mode, timeout: 1_500, pollInterval: 400 }));
            expect(result.error, mode).toBeInstanceOf(TimeoutError);
            expect(result.elapsed, mode).toBeGreaterThanOrEqual(1_450);
            expect(result.elapsed, mode).toBeLessThan(2_500);
        }
    }).pipe(Effect.scoped));
    it.live("awaitCompletion and events stop when their AbortSignal is aborted", () => Effect.gen(function* () {
        const { base } = yield* stack();
        const client = yield* facadeOf(base);
        const run = yield* Effect.promise(() => client.createRun(30));
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 300);
        const aborted = yield* settle(() => client.awaitCompletion(run.id, { signal: controller.signal }));
        expect(aborted.error.name).toBe("AbortError");
        expect(aborted.elapsed).toBeGreaterThanOrEqual(250);
        expect(aborted.elapsed).toBeLessThan(1_300);
        const before = yield* settle(() => client.getRun(run.id, { signal: AbortSignal.abort() }));
        expect(before.error.name).toBe("AbortError");
        const streaming = new AbortController();
        const seen = [];
        const iteration = yield* settle(async () => {
            for await (const state of client.events(run.id, { signal: streaming.signal })) {
                seen.push(state);
                if (seen.length === 2)
                    streaming.abort();
            }
        });
        expect(iteration.error.name).toBe("AbortError");
        expect(seen).toHaveLength(2);
        expect(seen.every((state) => state.status === "IN_PROGRESS")).toBe(true);
    }).pipe(Effect.scoped));
    it.live("events iterate the run's states until FINISHED", () => Effect.gen(function* () {
        const { base } = yield* stack();
        const client = yield* facadeOf(base);
        const run = yield* Effect.promise(() => client.createRun(1));
        const states = yield* Effect.promise(async () => {
            const all = [];
            for await (const state of client.events(run.id))
                all.push(state);
            return all;
        });
        expect(states.at(-1).status).toBe("FINISHED");
        expect(states.filter((state) => state.status === "FINISHED")).toHaveLength(1);
        const counts = states.map((state) => state.successful_responses_count);
        expect([...counts].sort((a, b) => a - b)).toEqual(counts);
        expect(states.at(-1).successful_responses_count).toBe((yield* getRun(base, run.id)).successful_responses_count);
    }).pipe(Effect.scoped));
});
