import Database from "better-sqlite3";
import { describe, expect, it } from "@effect/vitest";
import { Effect, Exit, Option, Scope } from "effect";
import { request, service, simulator, tempDatabase } from "../support/servers.js";
/** Asks GET /ready until it answers `status` (real time, bounded). */
const readyAnswers = (base, status) => Effect.gen(function* () {
    let answer = yield* request(new URL("/ready", base));
    for (let tries = 0; tries < 150 && answer.status !== status; tries++) {
        yield* Effect.sleep("200 millis");
        answer = yield* request(new URL("/ready", base));
    }
    expect(answer.status).toBe(status);
    return answer;
});
describe("GET /health and GET /ready", () => {
    it.live("/ready turns 503 when the upstream is unreachable, and back to 200 when it returns; /health stays 200", () => Effect.gen(function* () {
        const firstLife = yield* Scope.make();
        const upstream = yield* simulator().pipe(Scope.extend(firstLife));
        const base = yield* service({ faultyServerUrl: Option.some(upstream.url) });
        const ready = yield* readyAnswers(base, 200);
        expect(ready.json).toEqual({
            status: "ready",
            checks: {
                database: { ok: true, detail: "answered a query" },
                upstream: { ok: true, detail: expect.stringMatching(/^answered /) }
            }
        });
        yield* Scope.close(firstLife, Exit.void);
        const down = yield* readyAnswers(base, 503);
        expect(down.json._tag).toBe("NotReady");
        expect(down.json.message).toMatch(/^not ready: upstream unreachable \(ECONNREFUSED\)$/);
        expect(down.json.checks.database.ok).toBe(true);
        expect(down.json.checks.upstream.ok).toBe(false);
        expect((yield* request(new URL("/health", base))).json).toEqual({ status: "ok" });
        yield* simulator({ port: Number(upstream.url.port) });
        const back = yield* readyAnswers(base, 200);
        expect(back.json.checks.upstream.ok).toBe(true);
    }).pipe(Effect.scoped));
    it.live("/ready turns 503 when the database cannot answer", () => Effect.gen(function* () {
        const databaseUrl = tempDatabase();
        const upstream = yield* simulator();
        const base = yield* service({ faultyServerUrl: Option.some(upstream.url), databaseUrl });
        yield* readyAnswers(base, 200);
        // Another process breaks the database under the service.
        const other = new Database(databaseUrl);
        other.exec("DROP TABLE runs");
        other.close();
        const down = yield* readyAnswers(base, 503);
        expect(down.json.message).toMatch(/^not ready: database query failed: /);
        expect(down.json.checks.database.ok).toBe(false);
        expect(down.json.checks.upstream.ok).toBe(true);
    }).pipe(Effect.scoped));
});
