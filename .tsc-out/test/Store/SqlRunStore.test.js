import { describe, expect, it } from "@effect/vitest";
import { Effect, Option } from "effect";
import { stringifyExact, parseExact } from "../../src/Domain/ExactJson.js";
import { makeRunIdGenerator } from "../../src/Domain/RunId.js";
import { RunStore } from "../../src/Store/RunStore.js";
import { tempDatabase } from "../support/servers.js";
import { pendingRun, runStoreOn } from "../support/store.js";
const storeOn = runStoreOn;
const newId = makeRunIdGenerator();
describe("SqlRunStore on SQLite", () => {
    it.effect("keeps a sum far beyond 2^53 exact, through the file and a reopen", () => {
        const databaseUrl = tempDatabase();
        const huge = 2n ** 53n * 1000003n + 7n;
        const run = pendingRun(1_000);
        return Effect.gen(function* () {
            yield* Effect.gen(function* () {
                const store = yield* RunStore;
                yield* store.insert(run);
                yield* store.markStarted(run.id, 2_000, 7_000);
                yield* store.checkpoint(run.id, { successfulResponsesCount: 3, sum: -huge });
                yield* store.finish(run.id, { successfulResponsesCount: 4, sum: huge }, 7_001);
            }).pipe(Effect.provide(storeOn(databaseUrl)));
            const reopened = yield* Effect.provide(Effect.flatMap(RunStore, (store) => store.get(run.id)), storeOn(databaseUrl));
            expect(Option.getOrThrow(reopened)).toEqual({
                ...run,
                status: "FINISHED",
                successfulResponsesCount: 4,
                sum: huge,
                startedAt: 2_000,
                endsAt: 7_000,
                finishedAt: 7_001
            });
        });
    });
    it.effect("a checkpoint never overwrites a finished run, and unfinished lists in admission order", () => Effect.gen(function* () {
        const store = yield* RunStore;
        const runs = [pendingRun(10), pendingRun(10), pendingRun(11)];
        for (const run of runs)
            yield* store.insert(run);
        yield* store.markStarted(runs[0].id, 20, 5_020);
        yield* store.finish(runs[0].id, { successfulResponsesCount: 9, sum: 90n }, 5_020);
        yield* store.checkpoint(runs[0].id, { successfulResponsesCount: 1, sum: 1n });
        const first = Option.getOrThrow(yield* store.get(runs[0].id));
        expect([first.status, first.successfulResponsesCount, first.sum]).toEqual(["FINISHED", 9, 90n]);
        expect((yield* store.unfinished).map((run) => run.id)).toEqual([runs[1].id, runs[2].id]);
        expect(Option.isNone(yield* store.get(newId(99)))).toBe(true);
    }).pipe(Effect.provide(storeOn(":memory:"))));
});
describe("exact JSON", () => {
    it("writes and reads integers of any size without rounding", () => {
        const sum = -(2n ** 70n) - 1n;
        const text = stringifyExact({ id: "x", sum, nested: { sum: 5n }, plain: 1.5 });
        expect(text).toBe(`{"id":"x","sum":${sum},"nested":{"sum":5},"plain":1.5}`);
        expect(parseExact(text, ["sum"])).toEqual({ id: "x", sum: sum.toString(), nested: { sum: "5" }, plain: 1.5 });
    });
});
