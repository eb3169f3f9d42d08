import { describe, expect, it } from "@effect/vitest";
import { Effect, Option } from "effect";
import { countRows } from "../support/database.js";
import { postRun, request, service, simulator, stack, tempDatabase } from "../support/servers.js";
const postWithKey = (base, key, body) => request(new URL("/runs", base), {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": key },
    body: JSON.stringify(body)
});
describe("POST /runs with Idempotency-Key", () => {
    it.live("the same key and body return the same run; another body is 422; nothing is created twice", () => Effect.gen(function* () {
        const databaseUrl = tempDatabase();
        const { base } = yield* stack({ databaseUrl });
        const first = yield* postWithKey(base, "order-42", { seconds: 1 });
        expect(first.status).toBe(202);
        expect(first.headers.get("idempotent-replayed")).toBeNull();
        const again = yield* request(new URL("/runs", base), {
            method: "POST",
            headers: { "content-type": "application/json", "idempotency-key": "order-42" },
            body: '{ "seconds" : 1 }'
        });
        expect(again.status).toBe(202);
        expect(again.headers.get("idempotent-replayed")).toBe("true");
        expect(again.headers.get("location")).toBe(`/runs/${first.json.id}`);
        expect(again.json.id).toBe(first.json.id);
        const other = yield* postWithKey(base, "order-42", { seconds: 2 });
        expect(other.status).toBe(422);
        expect(other.json._tag).toBe("IdempotencyKeyReused");
        expect(other.json.message).toMatch(/different request body/);
        const unkeyed = yield* postRun(base, { seconds: 1 });
        expect(unkeyed.json.id).not.toBe(first.json.id);
        expect(countRows(databaseUrl)).toBe(2);
        expect(countRows(databaseUrl, "idempotency_keys")).toBe(1);
    }).pipe(Effect.scoped));
    it.live("requests racing with one key create one run, and all of them answer with it", () => Effect.gen(function* () {
        const databaseUrl = tempDatabase();
        const { base } = yield* stack({ databaseUrl });
        const answers = yield* Effect.all(Array.from({ length: 12 }, () => postWithKey(base, "race", { seconds: 1 })), { concurrency: "unbounded" });
        expect(answers.map((answer) => answer.status)).toEqual(Array(12).fill(202));
        expect(new Set(answers.map((answer) => answer.json.id)).size).toBe(1);
        expect(answers.filter((answer) => answer.headers.get("idempotent-replayed") === null)).toHaveLength(1);
        expect(countRows(databaseUrl)).toBe(1);
    }).pipe(Effect.scoped));
    it.live("keys survive a restart", () => Effect.gen(function* () {
        const databaseUrl = tempDatabase();
        const sim = yield* simulator();
        const config = { databaseUrl, faultyServerUrl: Option.some(sim.url) };
        const firstId = yield* Effect.scoped(Effect.gen(function* () {
            const base = yield* service(config);
            return (yield* postWithKey(base, "survivor", { seconds: 1 })).json.id;
        }));
        const base = yield* service(config);
        const replay = yield* postWithKey(base, "survivor", { seconds: 1 });
        expect(replay.status).toBe(202);
        expect(replay.json.id).toBe(firstId);
        expect(replay.headers.get("idempotent-replayed")).toBe("true");
        expect((yield* postWithKey(base, "survivor", { seconds: 5 })).status).toBe(422);
        expect(countRows(databaseUrl)).toBe(1);
    }).pipe(Effect.scoped));
    it.live("a replay is answered even when the queue is full", () => Effect.gen(function* () {
        const { base } = yield* stack({ maxConcurrentRuns: 1, maxPendingRuns: 0 });
        const first = yield* postWithKey(base, "full", { seconds: 30 });
        expect((yield* postRun(base, { seconds: 1 })).status).toBe(429);
        const replay = yield* postWithKey(base, "full", { seconds: 30 });
        expect(replay.status).toBe(202);
        expect(replay.json.id).toBe(first.json.id);
    }).pipe(Effect.scoped));
    it.live("an oversized, empty or non-ASCII key is 400 naming the rule, and creates nothing", () => Effect.gen(function* () {
        const databaseUrl = tempDatabase();
        const { base } = yield* stack({ databaseUrl });
        expect((yield* postWithKey(base, "k".repeat(255), { seconds: 1 })).status).toBe(202);
        for (const key of ["k".repeat(256), "", "clé"]) {
            const answer = yield* request(new URL("/runs", base), {
                method: "POST",
                headers: [
                    ["content-type", "application/json"],
                    ["idempotency-key", key]
                ],
                body: '{"seconds": 1}'
            });
            expect(answer.status, key).toBe(400);
            expect(answer.json.issues[0].message).toMatch(/^Idempotency-Key must be 1 to 255 visible ASCII characters, got \d+ characters$/);
        }
        expect(countRows(databaseUrl)).toBe(1);
    }).pipe(Effect.scoped));
});
