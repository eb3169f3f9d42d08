import { describe, expect, it } from "@effect/vitest";
import { Duration, Effect, Either, Option, TestClock } from "effect";
import { Runs } from "../../src/Runs/Runs.js";
import { engineWith } from "../support/engine.js";
const answerAfter = (millis) => () => Effect.as(Effect.sleep(Duration.millis(millis)), 1);
describe("Idempotency-Key expiry (TestClock)", () => {
    it.effect("a key answers with its run for 24 hours, then is free for a new run", () => Effect.gen(function* () {
        const runs = yield* Runs;
        const key = Option.some("nightly-report");
        const first = yield* runs.createOnce(1, key);
        expect(first.replayed).toBe(false);
        yield* TestClock.adjust("2 seconds");
        yield* TestClock.adjust(Duration.millis(24 * 3_600_000 - 3_000)); // 1 s before the key expires
        const replay = yield* runs.createOnce(1, key);
        expect(replay).toMatchObject({ replayed: true, run: { id: first.run.id, status: "FINISHED" } });
        const refused = yield* Effect.either(runs.createOnce(2, key));
        expect(Either.isLeft(refused) && refused.left._tag).toBe("IdempotencyKeyReused");
        yield* TestClock.adjust("2 seconds");
        const fresh = yield* runs.createOnce(2, key);
        expect(fresh.replayed).toBe(false);
        expect(fresh.run.id).not.toBe(first.run.id);
        const replayOfFresh = yield* runs.createOnce(2, key);
        expect(replayOfFresh.run.id).toBe(fresh.run.id);
    }).pipe(Effect.provide(engineWith(answerAfter(100)))));
});
