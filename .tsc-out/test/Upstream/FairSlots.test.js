import { describe, expect, it } from "@effect/vitest";
import { Duration, Effect, Fiber, TestClock } from "effect";
import { FairSlots } from "../../src/Upstream/FairSlots.js";
const worker = (slots, key, served) => Effect.forever(slots.withSlot(key, Effect.sleep(Duration.millis(10)).pipe(Effect.tap(() => served.set(key, (served.get(key) ?? 0) + 1)))));
describe("FairSlots", () => {
    it.effect("shares slots between keys in turn, and never exceeds its capacity", () => Effect.gen(function* () {
        const slots = new FairSlots(4);
        const served = new Map();
        let mostBusy = 0;
        const fibers = yield* Effect.forEach(["a", "b", "c"], (key) => Effect.forkDaemon(Effect.all(Array.from({ length: 4 }, () => worker(slots, key, served)), { concurrency: "unbounded" })));
        for (let i = 0; i < 100; i++) {
            yield* TestClock.adjust(Duration.millis(10));
            mostBusy = Math.max(mostBusy, slots.busy);
        }
        yield* Effect.forEach(fibers, Fiber.interrupt);
        const counts = ["a", "b", "c"].map((key) => served.get(key) ?? 0);
        expect(mostBusy).toBe(4);
        expect(counts.reduce((x, y) => x + y, 0)).toBeGreaterThanOrEqual(390);
        // Jain's fairness index: 1 when every key got the same share
        const jain = counts.reduce((x, y) => x + y, 0) ** 2 / (counts.length * counts.reduce((x, y) => x + y * y, 0));
        expect(jain).toBeGreaterThan(0.999);
        expect(slots.busy).toBe(0);
    }));
    it.effect("gives every slot back when waiters and holders are interrupted", () => Effect.gen(function* () {
        const slots = new FairSlots(2);
        const fibers = yield* Effect.forEach(Array.from({ length: 6 }), (_, i) => Effect.forkDaemon(slots.withSlot(`k${i % 3}`, Effect.never)));
        yield* TestClock.adjust(Duration.millis(1));
        expect(slots.busy).toBe(2);
        yield* Effect.forEach(fibers, Fiber.interrupt);
        expect(slots.busy).toBe(0);
        const after = yield* slots.withSlot("x", Effect.sync(() => slots.busy));
        expect(after).toBe(1);
    }));
    it.effect("resize lets more waiters in at once", () => Effect.gen(function* () {
        const slots = new FairSlots(1);
        const fibers = yield* Effect.forEach(Array.from({ length: 5 }), () => Effect.forkDaemon(slots.withSlot("k", Effect.never)));
        yield* TestClock.adjust(Duration.millis(1));
        expect(slots.busy).toBe(1);
        slots.resize(3);
        yield* TestClock.adjust(Duration.millis(1));
        expect(slots.busy).toBe(3);
        yield* Effect.forEach(fibers, Fiber.interrupt);
        expect(slots.busy).toBe(0);
    }));
});
