import { describe, expect, it } from "@effect/vitest";
import { Effect, Fiber } from "effect";
import { spawnService } from "./support/process.js";
import { createRun, request, simulator, tempDatabase } from "./support/servers.js";
import { readSse } from "./support/sse.js";
describe("shutdown with requests waiting on runs", () => {
    it.live("SIGTERM answers a long poll and ends an event stream at once, and the process exits 0", () => Effect.gen(function* () {
        const sim = yield* simulator({ concurrencyLimit: 0 });
        const service = yield* spawnService({ DATABASE_URL: tempDatabase(), FAULTY_SERVER_URL: sim.url.href });
        const run = yield* createRun(service.base, 60);
        const poll = yield* Effect.fork(request(new URL(`/runs/${run.id}?wait=30`, service.base)));
        const events = yield* Effect.fork(readSse(new URL(`/runs/${run.id}/events`, service.base)));
        yield* Effect.sleep("1 second");
        const sentAt = Date.now();
        service.child.kill("SIGTERM");
        const code = yield* Effect.promise(() => service.exited);
        const exitedAfter = Date.now() - sentAt;
        expect(code).toBe(0);
        expect(exitedAfter).toBeLessThan(5_000); // not the 30 s of the long poll, nor the 60 s run
        const answered = yield* Fiber.join(poll);
        expect(answered.status).toBe(200);
        expect(answered.json.status).toBe("IN_PROGRESS");
        expect(answered.json.successful_responses_count).toBeGreaterThan(0);
        const streamed = yield* Fiber.join(events);
        expect(streamed.ended).toBe(true);
        expect(streamed.events.at(-1).data.status).toBe("IN_PROGRESS");
    }).pipe(Effect.scoped));
});
