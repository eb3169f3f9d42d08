import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, FiberRef } from "effect"
import { SharedScheduler, withSharedScheduler } from "../src/SharedScheduler.js"

describe("SharedScheduler", () => {
  it.live("is the scheduler of the fibers forked under withSharedScheduler, at any depth", () =>
    Effect.gen(function* () {
      const schedulerOf = Effect.flatMap(Effect.fork(Effect.flatMap(Effect.fork(FiberRef.get(FiberRef.currentScheduler)), Fiber.join)), Fiber.join)
      expect(yield* withSharedScheduler(schedulerOf)).toBeInstanceOf(SharedScheduler)
      expect(yield* schedulerOf).not.toBeInstanceOf(SharedScheduler)
    }))

  it.live("interleaves fibers that yield, in the order they were scheduled", () =>
    withSharedScheduler(
      Effect.gen(function* () {
        const order: Array<string> = []
        const step = (name: string) =>
          Effect.forEach([1, 2, 3], (i) => Effect.zipRight(Effect.sync(() => order.push(`${name}${i}`)), Effect.yieldNow()), { discard: true })
        yield* Effect.all([step("a"), step("b")], { concurrency: "unbounded" })
        expect(order).toEqual(["a1", "b1", "a2", "b2", "a3", "b3"])
      })
    ))

  it.live("lets the event loop run while fibers keep yielding (a timer after 2,048 rounds of microtasks)", () =>
    withSharedScheduler(
      Effect.gen(function* () {
        let rounds = 0
        const spinner = yield* Effect.fork(Effect.forever(Effect.zipRight(Effect.sync(() => rounds++), Effect.yieldNow())))
        const roundsWhenTheTimerRan = yield* Effect.promise(() => new Promise<number>((resolve) => setImmediate(() => resolve(rounds))))
        yield* Fiber.interrupt(spinner)
        // Without the timer, microtasks would run forever and the setImmediate callback never.
        expect(roundsWhenTheTimerRan).toBeGreaterThan(0)
        expect(roundsWhenTheTimerRan).toBeLessThanOrEqual(2_048 * 2)
      })
    ))
})
