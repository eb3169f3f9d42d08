import { describe, expect, it } from "@effect/vitest";
import { Duration, Effect } from "effect";
import { createRun, getRun, request, stack } from "../support/servers.js";
import { isIncreasing, readSse } from "../support/sse.js";
const eventsUrl = (base, id) => new URL(`/runs/${id}/events`, base);
describe("GET /runs/{id}/events (server-sent events)", () => {
    it.live("sends each state change and the counters while IN_PROGRESS, with growing ids, and ends after FINISHED", () => Effect.gen(function* () {
        const { base } = yield* stack({ maxConcurrentRuns: 1 });
        yield* createRun(base, 1);
        const run = yield* createRun(base, 1);
        const read = yield* readSse(eventsUrl(base, run.id));
        expect(read.status).toBe(200);
        expect(read.contentType).toMatch(/^text\/event-stream/);
        expect(read.ended).toBe(true);
        const statuses = read.events.map((event) => event.data.status);
        expect(statuses[0]).toBe("PENDING");
        expect(statuses).toContain("IN_PROGRESS");
        expect(statuses.at(-1)).toBe("FINISHED");
        expect(statuses.filter((status) => status === "FINISHED")).toHaveLength(1);
        expect(read.events.every((event) => event.event === "run" && event.data.id === run.id)).toBe(true);
        expect(isIncreasing(read.events.map((event) => event.id))).toBe(true);
        // Several counter updates during the one second the run was IN_PROGRESS.
        expect(statuses.filter((status) => status === "IN_PROGRESS").length).toBeGreaterThanOrEqual(2);
        const final = yield* getRun(base, run.id);
        const last = read.events.at(-1);
        expect(last.data.successful_responses_count).toBe(final.successful_responses_count);
        expect(BigInt(last.data.sum)).toBe(final.sum);
        expect(last.id).toBe(`2-${final.successful_responses_count}`);
        expect(read.body).toMatch(/"sum":-?\d+[,}]/); // an exact JSON integer, as in GET
    }).pipe(Effect.scoped));
    it.live("a reconnect with Last-Event-ID continues after it: nothing repeated, nothing missed", () => Effect.gen(function* () {
        const { base } = yield* stack();
        const run = yield* createRun(base, 2);
        const first = yield* readSse(eventsUrl(base, run.id), {
            stopWhen: ({ events }) => events.some((event) => event.data.status === "IN_PROGRESS" && event.data.successful_responses_count > 0)
        });
        expect(first.ended).toBe(false);
        const lastSeen = first.events.at(-1);
        expect(lastSeen.data.status).toBe("IN_PROGRESS");
        const second = yield* readSse(eventsUrl(base, run.id), { lastEventId: lastSeen.id });
        expect(second.ended).toBe(true);
        const all = [...first.events, ...second.events];
        expect(isIncreasing(all.map((event) => event.id))).toBe(true);
        expect(new Set(all.map((event) => event.id)).size).toBe(all.length);
        expect(second.events[0].data.successful_responses_count).toBeGreaterThan(lastSeen.data.successful_responses_count);
        const final = yield* getRun(base, run.id);
        expect(second.events.at(-1).data.status).toBe("FINISHED");
        expect(second.events.at(-1).data.successful_responses_count).toBe(final.successful_responses_count);
        // Resuming after the final event sends nothing and ends.
        const after = yield* readSse(eventsUrl(base, run.id), { lastEventId: second.events.at(-1).id });
        expect(after.status).toBe(200);
        expect(after.ended).toBe(true);
        expect(after.events).toEqual([]);
        // A FINISHED run's stream is its final state alone.
        const replay = yield* readSse(eventsUrl(base, run.id));
        expect(replay.events.map((event) => event.id)).toEqual([`2-${final.successful_responses_count}`]);
    }).pipe(Effect.scoped));
    it.live("sends heartbeat comments while the stream is idle", () => Effect.gen(function* () {
        const { base } = yield* stack({ maxConcurrentRuns: 1 }, {}, { heartbeatEvery: Duration.millis(100) });
        yield* createRun(base, 30);
        const queued = yield* createRun(base, 1);
        const read = yield* readSse(eventsUrl(base, queued.id), { stopWhen: ({ heartbeats }) => heartbeats >= 3 });
        expect(read.heartbeats).toBeGreaterThanOrEqual(3);
        expect(read.body).toMatch(/^id: 0-0\nevent: run\ndata: .*\n\n(: heartbeat\n\n){3}/);
    }).pipe(Effect.scoped));
    it.live("an unknown run is 404 in JSON; a malformed Last-Event-ID is 400 naming the rule", () => Effect.gen(function* () {
        const { base } = yield* stack();
        const missing = yield* request(eventsUrl(base, "01ARZ3NDEKTSV4RRFFQ69G5FAV"));
        expect(missing.status).toBe(404);
        expect(missing.json._tag).toBe("RunNotFound");
        const run = yield* createRun(base, 1);
        for (const id of ["7", "3-1", "1-", "x-1", "1-01", "1-2-3"]) {
            const answer = yield* request(eventsUrl(base, run.id), { headers: { "last-event-id": id } });
            expect(answer.status, id).toBe(400);
            expect(answer.json.issues[0].message).toBe(`Last-Event-ID must be an id this event stream sent, like "1-42", got ${JSON.stringify(id)}`);
        }
    }).pipe(Effect.scoped));
});
