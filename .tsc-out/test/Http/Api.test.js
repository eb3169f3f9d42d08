import Database from "better-sqlite3";
import { describe, expect, it } from "@effect/vitest";
import { Effect } from "effect";
import { MAX_BODY_BYTES } from "../../src/Http/RequestGuard.js";
import { createRun, postRun, request, stack, tempDatabase } from "../support/servers.js";
const countRuns = (file) => {
    const db = new Database(file, { readonly: true });
    try {
        return db.prepare("SELECT COUNT(*) AS n FROM runs").get().n;
    }
    finally {
        db.close();
    }
};
describe("HTTP API", () => {
    it.live("POST /runs answers 202 with the run and a Location; GET shows it", () => Effect.gen(function* () {
        const { base } = yield* stack();
        const answer = yield* postRun(base, { seconds: 1 });
        expect(answer.status).toBe(202);
        expect(answer.headers.get("location")).toBe(`/runs/${answer.json.id}`);
        expect(answer.json.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
        expect(answer.json.seconds).toBe(1);
        const got = yield* request(new URL(answer.headers.get("location"), base));
        expect(got.status).toBe(200);
        expect(["PENDING", "IN_PROGRESS"]).toContain(got.json.status);
        expect(typeof got.json.successful_responses_count).toBe("number");
        expect(got.text).toMatch(/"sum":-?\d+[,}]/); // an integer in JSON, not a string
    }).pipe(Effect.scoped));
    it.live("ids sort by creation time", () => Effect.gen(function* () {
        const { base } = yield* stack();
        const ids = [];
        for (let i = 0; i < 5; i++)
            ids.push((yield* createRun(base, 1)).id);
        expect([...ids].sort()).toEqual(ids);
        expect(new Set(ids).size).toBe(5);
    }).pipe(Effect.scoped));
    it.live("every invalid body answers 400 naming the problem, and creates nothing", () => Effect.gen(function* () {
        const databaseUrl = tempDatabase();
        const { base } = yield* stack({ databaseUrl });
        const cases = [
            ["{}", /seconds is required/],
            ['{"seconds": 0}', /seconds must be from 1 to 86400, got 0/],
            ['{"seconds": -3}', /seconds must be from 1 to 86400/],
            ['{"seconds": 86401}', /seconds must be from 1 to 86400, got 86401/],
            ['{"seconds": 1.5}', /seconds must be a whole number/],
            ['{"seconds": "10"}', /seconds must be a number/],
            ['{"seconds": null}', /seconds must be a number/],
            ['{"seconds": true}', /seconds must be a number/],
            ["[10]", /Expected CreateRun/],
            ["null", /Expected CreateRun/],
            ["10", /Expected CreateRun/],
            ["not json", /not valid JSON/],
            ['{"seconds": 10', /not valid JSON/],
            ["", /body is empty/]
        ];
        for (const [body, message] of cases) {
            const answer = yield* postRun(base, body);
            expect(answer.status, body).toBe(400);
            expect(answer.headers.get("content-type")).toMatch(/application\/json/);
            expect(answer.text, body).toMatch(message);
        }
        expect(countRuns(databaseUrl)).toBe(0);
    }).pipe(Effect.scoped));
    it.live("a wrong content type, an oversized body, an unknown route and a wrong method get JSON errors", () => Effect.gen(function* () {
        const databaseUrl = tempDatabase();
        const { base } = yield* stack({ databaseUrl });
        const form = yield* request(new URL("/runs", base), {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: "seconds=10"
        });
        expect(form.status).toBe(415);
        expect(form.json._tag).toBe("UnsupportedMediaType");
        const text = yield* request(new URL("/runs", base), {
            method: "POST",
            headers: { "content-type": "text/plain" },
            body: '{"seconds":10}'
        });
        expect(text.status).toBe(415);
        const huge = yield* postRun(base, JSON.stringify({ seconds: 10, padding: "x".repeat(MAX_BODY_BYTES) }));
        expect(huge.status).toBe(413);
        expect(huge.json._tag).toBe("PayloadTooLarge");
        const unknown = yield* request(new URL("/nowhere", base));
        expect(unknown.status).toBe(404);
        expect(unknown.json._tag).toBe("RouteNotFound");
        const wrongMethod = yield* request(new URL("/runs", base), { method: "PUT" });
        expect(wrongMethod.status).toBe(405);
        expect(wrongMethod.headers.get("allow")).toBe("POST, GET");
        expect(wrongMethod.json._tag).toBe("MethodNotAllowed");
        const deleteRun = yield* request(new URL("/runs/01ARZ3NDEKTSV4RRFFQ69G5FAV", base), { method: "DELETE" });
        expect(deleteRun.status).toBe(405);
        const missing = yield* request(new URL("/runs/01ARZ3NDEKTSV4RRFFQ69G5FAV", base));
        expect(missing.status).toBe(404);
        expect(missing.json._tag).toBe("RunNotFound");
        const garbage = yield* request(new URL("/runs/%E2%9C%93%20nope", base));
        expect(garbage.status).toBe(404);
        const health = yield* request(new URL("/health", base));
        expect(health.json).toEqual({ status: "ok" });
        expect(countRuns(databaseUrl)).toBe(0);
    }).pipe(Effect.scoped));
    it.live("answers 429 with Retry-After when the queue is full, and stores nothing for it", () => Effect.gen(function* () {
        const databaseUrl = tempDatabase();
        const { base } = yield* stack({ databaseUrl, maxConcurrentRuns: 1, maxPendingRuns: 2 });
        const accepted = yield* Effect.forEach([20, 1, 1], (seconds) => postRun(base, { seconds }));
        expect(accepted.map((answer) => answer.status)).toEqual([202, 202, 202]);
        const refused = yield* postRun(base, { seconds: 1 });
        expect(refused.status).toBe(429);
        expect(refused.json._tag).toBe("TooManyRuns");
        const retryAfter = Number(refused.headers.get("retry-after"));
        expect(retryAfter).toBeGreaterThanOrEqual(19);
        expect(retryAfter).toBeLessThanOrEqual(20);
        expect(refused.json.retryAfterSeconds).toBe(retryAfter);
        expect(countRuns(databaseUrl)).toBe(3);
        const queued = yield* request(new URL(`/runs/${accepted[1].json.id}`, base));
        expect(queued.json.status).toBe("PENDING");
    }).pipe(Effect.scoped));
});
