import { describe, expect, it } from "@effect/vitest"
import { Clock, Context, Duration, Effect, Either, Layer, TestClock } from "effect"
import type { RunId } from "../../src/Domain/RunId.js"
import { Runs } from "../../src/Runs/Runs.js"
import { LATE_REQUEST_GRACE } from "../../src/Runs/RunWorkers.js"
import { AttemptFailed } from "../../src/Upstream/AttemptFailed.js"
import { engineWith } from "../support/engine.js"

const answerAfter = (millis: number, value = 1) => () => Effect.as(Effect.sleep(Duration.millis(millis)), value)

/** Moves the test clock in small steps so that every fiber woken on the way gets to run. */
const advance = (millis: number, step = 50) =>
  Effect.gen(function* () {
    for (let done = 0; done < millis; done += step) yield* TestClock.adjust(Duration.millis(Math.min(step, millis - done)))
  })

describe("run engine (TestClock)", () => {
  it.effect("starts queued runs first in, first out", () =>
    Effect.gen(function* () {
      const runs = yield* Runs
      const a = yield* runs.create(1)
      const b = yield* runs.create(2)
      const c = yield* runs.create(1)
      expect((yield* runs.get(b.id)).status).toBe("PENDING")
      yield* advance(4_500)
      const [ra, rb, rc] = yield* Effect.all([runs.get(a.id), runs.get(b.id), runs.get(c.id)])
      expect([ra.status, rb.status, rc.status]).toEqual(["FINISHED", "FINISHED", "FINISHED"])
      expect(ra.startedAt).toBe(0)
      expect(rb.startedAt).toBe(1_000)
      expect(rc.startedAt).toBe(3_000)
      expect(ra.id < rb.id && rb.id < rc.id).toBe(true)
    }).pipe(Effect.provide(engineWith(answerAfter(100), { maxConcurrentRuns: 1 }))))

  it.effect("never executes more than MAX_CONCURRENT_RUNS at once", () => {
    const inFlight = new Map<RunId, number>()
    let mostRunsAtOnce = 0
    const attempt = (runId: RunId) =>
      Effect.gen(function* () {
        inFlight.set(runId, (inFlight.get(runId) ?? 0) + 1)
        mostRunsAtOnce = Math.max(mostRunsAtOnce, inFlight.size)
        yield* Effect.sleep(Duration.millis(30))
        return 1
      }).pipe(
        Effect.ensuring(
          Effect.sync(() => {
            const left = (inFlight.get(runId) ?? 1) - 1
            if (left === 0) inFlight.delete(runId)
            else inFlight.set(runId, left)
          })
        )
      )
    return Effect.gen(function* () {
      const runs = yield* Runs
      const created = yield* Effect.forEach([1, 3, 2, 1, 2, 1, 3], (seconds) => runs.create(seconds))
      let mostInProgress = 0
      for (let step = 0; step < 200; step++) {
        yield* TestClock.adjust(Duration.millis(50))
        const states = yield* Effect.forEach(created, (run) => runs.get(run.id))
        mostInProgress = Math.max(mostInProgress, states.filter((run) => run.status === "IN_PROGRESS").length)
      }
      const states = yield* Effect.forEach(created, (run) => runs.get(run.id))
      expect(states.every((run) => run.status === "FINISHED")).toBe(true)
      expect(mostInProgress).toBe(2)
      expect(mostRunsAtOnce).toBe(2)
    }).pipe(Effect.provide(engineWith(attempt, { maxConcurrentRuns: 2, maxPendingRuns: 10 })))
  })

  it.effect("refuses with TooManyRuns exactly when the queue is full", () =>
    Effect.gen(function* () {
      const runs = yield* Runs
      yield* runs.create(10) // executing
      yield* runs.create(1) // pending 1
      yield* runs.create(1) // pending 2
      yield* advance(3_000)
      const refused = yield* Effect.either(runs.create(1))
      expect(Either.isLeft(refused) && refused.left._tag).toBe("TooManyRuns")
      if (Either.isLeft(refused) && refused.left._tag === "TooManyRuns") {
        expect(refused.left.retryAfterSeconds).toBe(7)
      }
      yield* advance(7_100) // the first run ends, the head of the queue starts: one slot frees up
      const accepted = yield* Effect.either(runs.create(1))
      expect(Either.isRight(accepted)).toBe(true)
      expect(Either.isLeft(yield* Effect.either(runs.create(1)))).toBe(true)
    }).pipe(Effect.provide(engineWith(answerAfter(100), { maxConcurrentRuns: 1, maxPendingRuns: 2 }))))

  it.effect("with MAX_PENDING_RUNS=0 a free slot still takes a run, and only a busy one refuses", () =>
    Effect.gen(function* () {
      const runs = yield* Runs
      const first = yield* runs.create(1)
      expect(Either.isLeft(yield* Effect.either(runs.create(1)))).toBe(true)
      yield* advance(1_100)
      expect((yield* runs.get(first.id)).status).toBe("FINISHED")
      expect(Either.isRight(yield* Effect.either(runs.create(1)))).toBe(true)
    }).pipe(Effect.provide(engineWith(answerAfter(100), { maxConcurrentRuns: 1, maxPendingRuns: 0 }))))

  it.effect("does not count a response that completes at or after the deadline", () =>
    Effect.gen(function* () {
      const runs = yield* Runs
      const run = yield* runs.create(1)
      yield* advance(2_000)
      const finished = yield* runs.get(run.id)
      // Answers complete at 400 and 800 ms; the one completing at 1200 ms is past the end.
      expect(finished.status).toBe("FINISHED")
      expect(finished.successfulResponsesCount).toBe(2)
      expect(finished.sum).toBe(14n)
    }).pipe(Effect.provide(engineWith(answerAfter(400, 7), { upstreamConcurrency: 1 }))))

  it.effect("does not count an answer that lands exactly on the deadline, even if it cannot be interrupted", () =>
    Effect.gen(function* () {
      const runs = yield* Runs
      const run = yield* runs.create(1)
      yield* advance(2_000)
      const finished = yield* runs.get(run.id)
      expect(finished.successfulResponsesCount).toBe(1) // at 500 ms; the one at 1000 ms is not inside
    }).pipe(
      Effect.provide(engineWith(() => Effect.uninterruptible(answerAfter(500)()), { upstreamConcurrency: 1 }))
    ))

  it.effect("leaves the requests still in flight at the deadline to end on their own, uncounted", () => {
    const signals: Array<AbortSignal> = []
    const attempt = (_runId: RunId, signal: AbortSignal) => {
      signals.push(signal)
      return answerAfter(400, 7)()
    }
    return Effect.gen(function* () {
      const runs = yield* Runs
      const run = yield* runs.create(1)
      yield* advance(2_000)
      const finished = yield* runs.get(run.id)
      expect(finished.status).toBe("FINISHED")
      expect(finished.successfulResponsesCount).toBe(2)
      // An abort would close the request's keep-alive connection: the next run would reopen it.
      expect(signals.length).toBeGreaterThan(0)
      expect(signals.some((signal) => signal.aborted)).toBe(false)
    }).pipe(Effect.provide(engineWith(attempt, { upstreamConcurrency: 1 })))
  })

  it.effect("aborts the requests still in flight once the grace after the deadline has passed", () => {
    const signals: Array<AbortSignal> = []
    const attempt = (_runId: RunId, signal: AbortSignal) => {
      signals.push(signal)
      return answerAfter(60_000)()
    }
    return Effect.gen(function* () {
      const runs = yield* Runs
      const run = yield* runs.create(1)
      yield* advance(1_000 + Duration.toMillis(LATE_REQUEST_GRACE) - 100)
      expect((yield* runs.get(run.id)).status).toBe("FINISHED")
      expect(signals.length).toBe(1)
      expect(signals[0]?.aborted).toBe(false)
      yield* advance(200)
      expect(signals[0]?.aborted).toBe(true)
    }).pipe(Effect.provide(engineWith(attempt, { upstreamConcurrency: 1 })))
  })

  it.effect("aborts the requests in flight when a run is interrupted before its deadline (shutdown)", () => {
    const signals: Array<AbortSignal> = []
    const attempt = (_runId: RunId, signal: AbortSignal) => {
      signals.push(signal)
      return answerAfter(400, 7)()
    }
    return Effect.gen(function* () {
      yield* Effect.scoped(
        Effect.gen(function* () {
          const runs = Context.get(yield* Layer.build(engineWith(attempt, { upstreamConcurrency: 2 })), Runs)
          yield* runs.create(5)
          yield* advance(600)
          expect(signals.length).toBeGreaterThan(0)
          expect(signals.some((signal) => signal.aborted)).toBe(false)
        })
      )
      expect(signals.every((signal) => signal.aborted)).toBe(true)
    })
  })

  it.effect("sends no request at or after the deadline, and keeps sending until it", () => {
    const sentAt: Array<number> = []
    const attempt = () =>
      Effect.gen(function* () {
        sentAt.push(yield* Clock.currentTimeMillis)
        yield* Effect.sleep(Duration.millis(90))
        return 1
      })
    return Effect.gen(function* () {
      const runs = yield* Runs
      const run = yield* runs.create(2)
      yield* advance(5_000, 10)
      const finished = yield* runs.get(run.id)
      expect(finished.endsAt).toBe(2_000)
      expect(sentAt.length).toBeGreaterThan(0)
      expect(Math.max(...sentAt)).toBeLessThan(2_000)
      expect(Math.max(...sentAt)).toBeGreaterThanOrEqual(2_000 - 90)
      // every attempt that completed before the end was counted: 3 workers × 22 answers (at 90·k ms)
      expect(finished.successfulResponsesCount).toBe(3 * 22)
    }).pipe(Effect.provide(engineWith(attempt, { upstreamConcurrency: 3 })))
  })

  it.effect("retries failed attempts and counts only successes", () => {
    let calls = 0
    const attempt = () =>
      Effect.gen(function* () {
        yield* Effect.sleep(Duration.millis(10))
        calls += 1
        if (calls % 3 !== 0) return yield* Effect.fail(new AttemptFailed({ outcome: "500", status: 500 }))
        return -5
      })
    return Effect.gen(function* () {
      const runs = yield* Runs
      const run = yield* runs.create(1)
      yield* advance(1_500, 10)
      const finished = yield* runs.get(run.id)
      expect(finished.successfulResponsesCount).toBe(Math.floor(calls / 3))
      expect(finished.successfulResponsesCount).toBeGreaterThan(20)
      expect(finished.sum).toBe(BigInt(-5 * finished.successfulResponsesCount))
    }).pipe(Effect.provide(engineWith(attempt, { upstreamConcurrency: 1 })))
  })

  it.effect("shows live counters while a run is in progress", () =>
    Effect.gen(function* () {
      const runs = yield* Runs
      const run = yield* runs.create(10)
      yield* advance(1_050)
      const live = yield* runs.get(run.id)
      expect(live.status).toBe("IN_PROGRESS")
      expect(live.successfulResponsesCount).toBe(10)
      expect(live.sum).toBe(30n)
    }).pipe(Effect.provide(engineWith(answerAfter(100, 3), { upstreamConcurrency: 1 }))))

  it.effect("answers RunNotFound for an unknown id", () =>
    Effect.gen(function* () {
      const runs = yield* Runs
      const missing = yield* Effect.either(runs.get("01ARZ3NDEKTSV4RRFFQ69G5FAV"))
      expect(Either.isLeft(missing) && missing.left._tag).toBe("RunNotFound")
    }).pipe(Effect.provide(engineWith(answerAfter(100)))))
})
