import { describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, Fiber, Layer, TestClock } from "effect"
import { AppConfig } from "../../src/Config.js"
import { DatabaseLive } from "../../src/Store/Database.js"
import { LimitStore, SqlLimitStoreLive } from "../../src/Store/LimitStore.js"
import { AttemptFailed } from "../../src/Upstream/AttemptFailed.js"
import { UpstreamTarget } from "../../src/Upstream/UpstreamTarget.js"
import { UpstreamLimiter } from "../../src/Upstream/UpstreamLimiter.js"
import { testConfig } from "../support/config.js"
import { tempDatabase } from "../support/servers.js"

const upstream = new URL("http://upstream.test/")

const limiterOn = (databaseUrl: string, overrides: Parameters<typeof testConfig>[0] = {}) =>
  UpstreamLimiter.Default.pipe(
    Layer.provideMerge(SqlLimitStoreLive),
    Layer.provide(DatabaseLive),
    Layer.provide(Layer.succeed(UpstreamTarget, upstream)),
    Layer.provide(AppConfig.layer(testConfig({ databaseUrl, upstreamConcurrency: "auto", upstreamInitialConcurrency: 4, ...overrides })))
  )

/**
 * A model upstream under TestClock: C = `limit` requests answered after 20 ms, a 429 after 1 ms
 * beyond that. Like a real server it keeps an abandoned request's slot until its answer is due.
 */
const modelUpstream = (limit: number) => {
  let inFlight = 0
  return Effect.gen(function* () {
    if (inFlight >= limit) {
      return yield* Effect.zipRight(Effect.sleep(Duration.millis(1)), Effect.fail(new AttemptFailed({ outcome: "429", status: 429 })))
    }
    inFlight += 1
    const sentAt = yield* Clock.currentTimeMillis
    const release = Effect.sync(() => void (inFlight -= 1))
    // Due 20 ms after it arrived, whenever the client gave up on it.
    const releaseWhenDue = Effect.asVoid(
      Effect.forkDaemon(
        Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.zipRight(Effect.sleep(Duration.millis(sentAt + 20 - now)), release))
      )
    )
    return yield* Effect.as(Effect.sleep(Duration.millis(20)), 1).pipe(
      Effect.onExit((exit) => (exit._tag === "Failure" ? releaseWhenDue : release))
    )
  })
}

/** `count` workers of one run, each sending again as soon as its attempt ends. */
const workersOf = (limiter: UpstreamLimiter, run: string, count: number, attempt: ReturnType<typeof modelUpstream>) =>
  Effect.all(Array.from({ length: count }, () => Effect.forever(Effect.either(limiter.withSlot(run, attempt)))), {
    concurrency: "unbounded"
  })

describe("UpstreamLimiter", () => {
  it.effect("starts from the limit learned last time, kept in the database", () => {
    const databaseUrl = tempDatabase()
    return Effect.gen(function* () {
      yield* Effect.gen(function* () {
        const store = yield* LimitStore
        yield* store.save(upstream.href, 37, 1)
      }).pipe(Effect.provide(limiterOn(databaseUrl)))
      const snapshot = yield* Effect.map(UpstreamLimiter, (limiter) => limiter.snapshot()).pipe(
        Effect.provide(limiterOn(databaseUrl))
      )
      expect(snapshot.limit).toBe(37)
      expect(snapshot.phase).toBe("steady")
      const fresh = yield* Effect.map(UpstreamLimiter, (limiter) => limiter.snapshot()).pipe(
        Effect.provide(limiterOn(tempDatabase()))
      )
      expect([fresh.limit, fresh.phase]).toEqual([4, "start"])
    })
  })

  it.effect("learns C from 429s and saves it when it stops", () => {
    const databaseUrl = tempDatabase()
    const limit = 6
    const attempt = modelUpstream(limit)
    return Effect.gen(function* () {
      const learned = yield* Effect.gen(function* () {
        const limiter = yield* UpstreamLimiter
        yield* Effect.forkScoped(workersOf(limiter, "run", 20, attempt))
        for (let i = 0; i < 100; i++) yield* TestClock.adjust(Duration.millis(10))
        return limiter.snapshot()
      }).pipe(Effect.scoped, Effect.provide(limiterOn(databaseUrl)))
      // A probe one above C may be in progress at any instant; what has held is C.
      expect(learned.settledLimit).toBe(limit)
      expect(learned.limit).toBeLessThanOrEqual(limit + 1)
      expect(learned.rejections).toBeGreaterThan(0)
      const saved = yield* Effect.flatMap(LimitStore, (store) => store.load(upstream.href)).pipe(
        Effect.provide(limiterOn(databaseUrl))
      )
      expect(saved._tag === "Some" && saved.value).toBe(limit)
    })
  })

  it.effect("requests abandoned at a run's end still count as in flight while the upstream holds them", () => {
    const limit = 6
    const attempt = modelUpstream(limit)
    return Effect.gen(function* () {
      const limiter = yield* UpstreamLimiter
      const ending = yield* Effect.fork(workersOf(limiter, "ending", 10, attempt))
      yield* Effect.fork(workersOf(limiter, "going-on", 10, attempt))
      for (let i = 0; i < 100; i++) yield* TestClock.adjust(Duration.millis(10))
      expect(limiter.snapshot().settledLimit).toBe(limit)
      // The first run ends: its requests are abandoned, but the upstream is as full as before.
      yield* Fiber.interrupt(ending)
      const settled: Array<number> = []
      for (let i = 0; i < 40; i++) {
        yield* TestClock.adjust(Duration.millis(1))
        settled.push(limiter.snapshot().settledLimit)
      }
      expect(Math.min(...settled)).toBe(limit)
    }).pipe(Effect.provide(limiterOn(tempDatabase())))
  })

  it.effect("a fixed UPSTREAM_CONCURRENCY never moves", () =>
    Effect.gen(function* () {
      const limiter = yield* UpstreamLimiter
      const rejected = Effect.fail(new AttemptFailed({ outcome: "429", status: 429 }))
      const fiber = yield* Effect.fork(Effect.all(Array.from({ length: 5 }, () => Effect.either(limiter.withSlot("run", rejected)))))
      yield* TestClock.adjust(Duration.seconds(1))
      expect((yield* Fiber.join(fiber)).every((result) => result._tag === "Left")).toBe(true)
      expect(limiter.snapshot()).toMatchObject({ mode: "fixed", limit: 3, permits: 3 })
    }).pipe(Effect.provide(limiterOn(":memory:", { upstreamConcurrency: 3 }))))
})
