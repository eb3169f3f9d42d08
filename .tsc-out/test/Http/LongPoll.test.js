import { describe, expect, it } from "@effect/vitest";
import { Effect } from "effect";
import { awaitFinished, createRun, request, stack } from "../support/servers.js";
const timed = (effect) => Effect.gen(function* () {
    const start = Date.now();
    const value = yield* effect;
    return { value, start, end: Date.now(), elapsed: Date.now() - start };
});
describe("GET /runs/{id}?wait= (long polling)", () => {
    it.live("holds the request until the run is FINISHED, then answers at once", () => Effect.gen(function* () {
        const { base } = yield* stack();
        const created = yield* createRun(base, 1);
        const poll = yield* timed(request(new URL(`/runs/${created.id}?wait=20`, base)));
        expect(poll.value.status).toBe(200);
        expect(poll.value.json.status).toBe("FINISHED");
        const finishedAt = Date.parse(poll.value.json.finished_at);
        // Held until the end of the run, not answered early...
        expect(poll.end).toBeGreaterThanOrEqual(Date.parse(poll.value.json.ends_at));
        // ...and answered soon after it finished, not at the end of the wait.
        const latency = poll.end - finishedAt;
        console.info(`long poll answered ${latency} ms after finished_at`);
        expect(latency).toBeLessThan(1_000);
        // What the long poll answered is the run's final state.
        const again = yield* request(new URL(`/runs/${created.id}`, base));
        expect(again.text).toBe(poll.value.text);
    }).pipe(Effect.scoped));
    it.live("answers with the current state when the wait elapses first", () => Effect.gen(function* () {
        const { base } = yield* stack();
        const created = yield* createRun(base, 30);
        const poll = yield* timed(request(new URL(`/runs/${created.id}?wait=0.6`, base)));
        expect(poll.value.status).toBe(200);
        expect(poll.value.json.status).toBe("IN_PROGRESS");
        expect(poll.elapsed).toBeGreaterThanOrEqual(550);
        expect(poll.elapsed).toBeLessThan(10_000);
        expect(poll.value.json.successful_responses_count).toBeGreaterThan(0);
    }).pipe(Effect.scoped));
    it.live("wakes a poll on a PENDING run when it starts and later finishes", () => Effect.gen(function* () {
        const { base } = yield* stack({ maxConcurrentRuns: 1 });
        const first = yield* createRun(base, 1);
        const queued = yield* createRun(base, 1);
        expect(queued.status).toBe("PENDING");
        const poll = yield* request(new URL(`/runs/${queued.id}?wait=15`, base));
        expect(poll.json.status).toBe("FINISHED");
        expect(Date.parse(poll.json.started_at)).toBeGreaterThanOrEqual(Date.parse((yield* awaitFinished(base, first.id)).ends_at));
    }).pipe(Effect.scoped));
    it.live("a FINISHED run, or wait=0, answers at once", () => Effect.gen(function* () {
        const { base } = yield* stack();
        const done = yield* awaitFinished(base, (yield* createRun(base, 1)).id);
        const finished = yield* timed(request(new URL(`/runs/${done.id}?wait=30`, base)));
        expect(finished.value.json.status).toBe("FINISHED");
        expect(finished.elapsed).toBeLessThan(5_000);
        const running = yield* createRun(base, 30);
        const immediate = yield* timed(request(new URL(`/runs/${running.id}?wait=0`, base)));
        expect(immediate.value.status).toBe(200);
        expect(immediate.value.json.status).not.toBe("FINISHED");
        expect(immediate.elapsed).toBeLessThan(5_000);
    }).pipe(Effect.scoped));
    it.live("an unknown run is 404 at once, and a bad wait is 400 naming the rule", () => Effect.gen(function* () {
        const { base } = yield* stack();
        const missing = yield* request(new URL("/runs/01ARZ3NDEKTSV4RRFFQ69G5FAV?wait=5", base));
        expect(missing.status).toBe(404);
        expect(missing.json._tag).toBe("RunNotFound");
        const run = yield* createRun(base, 1);
        for (const wait of ["-1", "abc", "", "1e3", "0x10", "Infinity", "1.5.2"]) {
            const answer = yield* request(new URL(`/runs/${run.id}?wait=${encodeURIComponent(wait)}`, base));
            expect(answer.status, wait).toBe(400);
            expect(answer.json.issues[0].message, wait).toBe(`wait must be a number of seconds, 0 or more (waits longer than 30 s are cut to 30 s), got ${JSON.stringify(wait)}`);
        }
    }).pipe(Effect.scoped));
});
