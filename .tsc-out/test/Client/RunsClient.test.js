import { createServer } from "node:http";
import { describe, expect, it } from "@effect/vitest";
import { Chunk, Context, Effect, Either, Fiber, Layer, Stream } from "effect";
import { RunsClient } from "faulty-runs/client";
import { countRows, insertFinishedRun } from "../support/database.js";
import { faultyProxy } from "../support/proxy.js";
import { createRun, getRun, postRun, stack, tempDatabase } from "../support/servers.js";
/** A client whose connection pool lives as long as the test's scope. */
const clientOf = (base) => Effect.map(Layer.build(RunsClient.layer({ baseUrl: base })), Context.get(RunsClient));
const positionOf = (run) => [run.status === "PENDING" ? 0 : run.status === "IN_PROGRESS" ? 1 : 2, run.successful_responses_count];
const strictlyForward = (runs) => runs.every((run, i) => {
    if (i === 0)
        return true;
    const [p0, c0] = positionOf(runs[i - 1]);
    const [p1, c1] = positionOf(run);
    return p1 > p0 || (p1 === p0 && c1 > c0);
});
/** A port that refuses connections: bound, then closed. */
const closedPort = Effect.promise(() => new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
        const { port } = server.address();
        server.close(() => resolve(new URL(`http://127.0.0.1:${port}`)));
    });
}));
describe("RunsClient (Effect)", () => {
    it.live("creates a run, long-polls it to completion, and reads what GET reports", () => Effect.gen(function* () {
        const { base } = yield* stack();
        const client = yield* clientOf(base);
        const created = yield* client.createRun(1);
        expect(created.status).not.toBe("FINISHED");
        const done = yield* client.awaitCompletion(created.id, { mode: "long", timeout: "20 seconds" });
        expect(done.status).toBe("FINISHED");
        const wire = yield* getRun(base, created.id);
        expect(done.successful_responses_count).toBe(wire.successful_responses_count);
        expect(done.sum).toBe(wire.sum);
        expect(done.finished_at?.toISOString()).toBe(wire.finished_at);
        const short = yield* client.awaitCompletion((yield* client.createRun(1)).id, { mode: "short", pollInterval: 100 });
        expect(short.status).toBe("FINISHED");
    }).pipe(Effect.scoped));
    it.live("a sum beyond 2^53 arrives exact through getRun, listRuns and events", () => Effect.gen(function* () {
        const databaseUrl = tempDatabase();
        const { base } = yield* stack({ databaseUrl });
        const huge = 2n ** 53n * 1000n + 12345n;
        const negative = -(2n ** 70n) - 1n;
        insertFinishedRun(databaseUrl, { id: "01ARZ3NDEKTSV4RRFFQ69G5FAV", count: 3, sum: huge });
        insertFinishedRun(databaseUrl, { id: "01ARZ3NDEKTSV4RRFFQ69G5FAW", count: 4, sum: negative });
        const client = yield* clientOf(base);
        expect((yield* client.getRun("01ARZ3NDEKTSV4RRFFQ69G5FAV")).sum).toBe(huge);
        expect((yield* client.getRun("01ARZ3NDEKTSV4RRFFQ69G5FAW")).sum).toBe(negative);
        const page = yield* client.listRuns({ status: "FINISHED" });
        expect(page.runs.map((run) => run.sum)).toEqual([negative, huge]);
        const streamed = yield* Stream.runCollect(client.events("01ARZ3NDEKTSV4RRFFQ69G5FAV"));
        expect(Chunk.toArray(streamed).map((run) => run.sum)).toEqual([huge]);
    }).pipe(Effect.scoped));
    it.live("awaitCompletion fails with TimeoutError at its timeout, cutting the long poll in flight", () => Effect.gen(function* () {
        const { base } = yield* stack();
        const client = yield* clientOf(base);
        const run = yield* client.createRun(30);
        const start = Date.now();
        const result = yield* Effect.either(client.awaitCompletion(run.id, { timeout: "1200 millis" }));
        const elapsed = Date.now() - start;
        expect(Either.isLeft(result) && result.left._tag).toBe("TimeoutError");
        expect(elapsed).toBeGreaterThanOrEqual(1_150);
        expect(elapsed).toBeLessThan(2_200);
    }).pipe(Effect.scoped));
    it.live("awaitCompletion can be interrupted", () => Effect.gen(function* () {
        const { base } = yield* stack();
        const client = yield* clientOf(base);
        const run = yield* client.createRun(30);
        const fiber = yield* Effect.fork(client.awaitCompletion(run.id));
        yield* Effect.sleep("300 millis");
        const start = Date.now();
        yield* Fiber.interrupt(fiber);
        expect(Date.now() - start).toBeLessThan(1_000);
        expect((yield* getRun(base, run.id)).status).toBe("IN_PROGRESS");
    }).pipe(Effect.scoped));
    it.live("a full queue fails with TooManyRuns whose retryAfter is the Retry-After header, as a number", () => Effect.gen(function* () {
        const { base } = yield* stack({ maxConcurrentRuns: 1, maxPendingRuns: 0 });
        const client = yield* clientOf(base);
        yield* client.createRun(20);
        const raw = yield* postRun(base, { seconds: 1 });
        expect(raw.status).toBe(429);
        const header = Number(raw.headers.get("retry-after"));
        // A Retry-After beyond maxRetryAfter is not waited for, whatever the retries left.
        const started = Date.now();
        const refused = yield* Effect.flip(client.createRun(1, { maxRetryAfter: "10 seconds" }));
        expect(Date.now() - started).toBeLessThan(5_000);
        expect(refused._tag).toBe("TooManyRuns");
        if (refused._tag !== "TooManyRuns")
            return;
        expect(typeof refused.retryAfter).toBe("number");
        expect(refused.retryAfter).toBeGreaterThanOrEqual(19);
        expect(refused.retryAfter).toBeLessThanOrEqual(header);
        expect(refused.message).toMatch(/queue of pending runs is full/);
    }).pipe(Effect.scoped));
    it.live("createRun waits out a 429's Retry-After and then creates the run", () => Effect.gen(function* () {
        const databaseUrl = tempDatabase();
        const { base } = yield* stack({ databaseUrl, maxConcurrentRuns: 1, maxPendingRuns: 0 });
        const client = yield* clientOf(base);
        yield* client.createRun(1);
        const start = Date.now();
        const second = yield* client.createRun(1);
        expect(Date.now() - start).toBeGreaterThanOrEqual(900); // it waited Retry-After: 1
        expect(second.status).not.toBe("FINISHED");
        expect(countRows(databaseUrl)).toBe(2);
    }).pipe(Effect.scoped));
    it.live("a retry after a lost answer reuses the Idempotency-Key and creates exactly one run", () => Effect.gen(function* () {
        const databaseUrl = tempDatabase();
        const { base } = yield* stack({ databaseUrl });
        const proxy = yield* faultyProxy(base, (request, index) => (request.method === "POST" && index === 0 ? "lose-answer" : "pass"));
        const client = yield* clientOf(proxy.url);
        const run = yield* client.createRun(1);
        const posts = proxy.seen.filter((request) => request.method === "POST");
        expect(posts).toHaveLength(2);
        expect(posts[0].headers["idempotency-key"]).toMatch(/^[0-9a-f-]{36}$/);
        expect(posts[1].headers["idempotency-key"]).toBe(posts[0].headers["idempotency-key"]);
        expect(countRows(databaseUrl)).toBe(1);
        expect((yield* getRun(base, run.id)).id).toBe(run.id);
        // Without retries the lost answer is a NetworkError (and the server still made one run).
        const lossy = yield* faultyProxy(base, (request) => (request.method === "POST" ? "lose-answer" : "pass"));
        const noRetry = yield* Effect.flip((yield* clientOf(lossy.url)).createRun(1, { retries: 0 }));
        expect(noRetry._tag).toBe("NetworkError");
        expect(countRows(databaseUrl)).toBe(2);
    }).pipe(Effect.scoped));
    it.live("events: the run's states until FINISHED, resumed with Last-Event-ID when the connection breaks", () => Effect.gen(function* () {
        const { base } = yield* stack();
        const run = yield* createRun(base, 2);
        let eventStreams = 0;
        const proxy = yield* faultyProxy(base, (request) => {
            if (!request.url.endsWith("/events"))
                return "pass";
            eventStreams += 1;
            return eventStreams === 1 ? "cut-after-first-event" : "pass";
        });
        const client = yield* clientOf(proxy.url);
        const states = Chunk.toArray(yield* Stream.runCollect(client.events(run.id)));
        const streams = proxy.seen.filter((request) => request.url.endsWith("/events"));
        expect(streams.length).toBe(2);
        expect(streams[0].headers["last-event-id"]).toBeUndefined();
        const first = states[0];
        expect(streams[1].headers["last-event-id"]).toBe(`${positionOf(first)[0]}-${positionOf(first)[1]}`);
        expect(strictlyForward(states)).toBe(true);
        expect(states.at(-1).status).toBe("FINISHED");
        const final = yield* getRun(base, run.id);
        expect(states.at(-1).successful_responses_count).toBe(final.successful_responses_count);
        expect(states.at(-1).sum).toBe(final.sum);
    }).pipe(Effect.scoped));
    it.live("typed errors: RunNotFound, ValidationError (before sending), NetworkError", () => Effect.gen(function* () {
        const databaseUrl = tempDatabase();
        const { base } = yield* stack({ databaseUrl });
        const client = yield* clientOf(base);
        const missing = yield* Effect.flip(client.getRun("01ARZ3NDEKTSV4RRFFQ69G5FAV"));
        expect(missing._tag).toBe("RunNotFound");
        const noEvents = yield* Effect.flip(Stream.runDrain(client.events("01ARZ3NDEKTSV4RRFFQ69G5FAV")));
        expect(noEvents).toMatchObject({ _tag: "RunNotFound", id: "01ARZ3NDEKTSV4RRFFQ69G5FAV" });
        const odd = yield* Effect.flip(client.getRun("../health"));
        expect(odd).toMatchObject({ _tag: "RunNotFound", id: "../health" });
        const invalid = yield* Effect.flip(client.createRun(0));
        expect(invalid).toMatchObject({ _tag: "ValidationError", message: expect.stringMatching(/seconds must be from 1 to 86400, got 0/) });
        const badLimit = yield* Effect.flip(client.listRuns({ limit: 0 }));
        expect(badLimit).toMatchObject({ _tag: "ValidationError", status: 400, message: expect.stringMatching(/^limit must be/) });
        const badCursor = yield* Effect.flip(client.listRuns({ cursor: "nope" }));
        expect(badCursor._tag).toBe("ValidationError");
        expect(countRows(databaseUrl)).toBe(0);
        const nowhere = yield* clientOf(yield* closedPort);
        const refused = yield* Effect.flip(nowhere.createRun(1, { retries: 0 }));
        expect(refused._tag).toBe("NetworkError");
        expect(refused.message).toMatch(/cannot reach/);
        expect((yield* Effect.flip(nowhere.getRun("01ARZ3NDEKTSV4RRFFQ69G5FAV")))._tag).toBe("NetworkError");
    }).pipe(Effect.scoped));
});
