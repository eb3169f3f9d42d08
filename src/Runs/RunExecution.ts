import { setMaxListeners } from "node:events"
import { Clock, Duration, Effect, FiberSet, Option, Schedule } from "effect"
import { AppConfig } from "../Config.js"
import type { Run } from "../Domain/Run.js"
import { EngineObserver } from "../Observability/EngineObserver.js"
import { spanSince } from "../Observability/Tracing.js"
import { RunStore } from "../Store/RunStore.js"
import type { AttemptFailed } from "../Upstream/AttemptFailed.js"
import { retryPolicy } from "../Upstream/RetryPolicy.js"
import { UpstreamClient } from "../Upstream/UpstreamClient.js"
import { UpstreamLimiter } from "../Upstream/UpstreamLimiter.js"
import { LiveCounters } from "./LiveCounters.js"

/** What the engine shows for a run while it executes. */
export interface ExecutingRun {
  readonly run: Run
  readonly counters: LiveCounters
}

export interface ExecutingRuns {
  readonly add: (executing: ExecutingRun) => void
  readonly remove: (executing: ExecutingRun) => void
}

// A run's final save is what makes its result durable: keep trying for a while before giving up
// (the last checkpoint is then what a restart finds).
const storeRetry = Schedule.exponential(Duration.millis(50)).pipe(Schedule.upTo(Duration.seconds(10)))

/**
 * Runs one admitted run to its end. A PENDING run starts now; a run resumed after a restart keeps
 * its original end. The workers are interrupted at the deadline (Effect.timeout), and a value is
 * counted only if it arrived before the deadline, so nothing after the end can ever be counted.
 */
export const executeRun = (admitted: Run, executing: ExecutingRuns) =>
  Effect.gen(function* () {
    const store = yield* RunStore
    const upstream = yield* UpstreamClient
    const limiter = yield* UpstreamLimiter
    const config = yield* AppConfig
    const observer = yield* EngineObserver

    const now = yield* Clock.currentTimeMillis
    const resumed = admitted.status === "IN_PROGRESS" && admitted.startedAt !== null && admitted.endsAt !== null
    const startedAt = resumed ? admitted.startedAt! : now
    const endsAt = resumed ? admitted.endsAt! : now + admitted.seconds * 1000
    const run: Run = { ...admitted, status: "IN_PROGRESS", startedAt, endsAt }
    if (!resumed) yield* store.markStarted(run.id, startedAt, endsAt).pipe(Effect.retry(storeRetry))

    const counters = new LiveCounters(run.successfulResponsesCount, run.sum)
    const entry: ExecutingRun = { run, counters }
    if (!resumed) yield* spanSince("run.queue_wait", admitted.createdAt)
    // The run span carries the counts (no span per upstream attempt: thousands a second).
    let attempts = 0
    const countAttempt = Effect.sync(() => void attempts++)
    const runSpan = yield* Effect.currentSpan.pipe(Effect.option)
    yield* Effect.addFinalizer(() =>
      Effect.sync(() =>
        Option.map(runSpan, (span) => {
          span.attribute("run.resumed", resumed)
          span.attribute("run.successful_responses_count", counters.successfulResponsesCount)
          span.attribute("run.sum", counters.sum.toString())
          span.attribute("run.upstream_attempts", attempts)
        })
      )
    )
    executing.add(entry)
    yield* Effect.addFinalizer(() => Effect.sync(() => executing.remove(entry)))

    // Aborted when the window closes (deadline or shutdown): every request still in flight is abandoned.
    const inFlight = new AbortController()
    setMaxListeners(0, inFlight.signal)
    const attempt = limiter
      .withSlot(run.id, upstream.attempt(run.id, inFlight.signal).pipe(Effect.ensuring(countAttempt)))
      .pipe(Effect.retry(retryPolicy))
    const countIfInTime = (value: number) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        if (now < endsAt) {
          counters.add(value)
          observer.successCounted()
        } else {
          observer.lateResponseDropped()
        }
      })
    const collectOne = Effect.flatMap(Clock.currentTimeMillis, (now) => {
      if (now >= endsAt) return Effect.never
      // An answer is unlikely to arrive in time: leave the slots to runs that can use them.
      if (endsAt - now < limiter.roundTripMs() && limiter.othersWaiting(run.id)) return Effect.never
      return Effect.flatMap(attempt, countIfInTime)
    })
    // Workers follow the limiter's permits: one per permit, started when the limit grows and
    // leaving when it shrinks. Idle extra workers would each wait a long time for a slot, and
    // every hand-over of a slot to another fiber of the same run is a detour before the next send.
    let workers = 0
    const workersUntilTheEnd = Effect.gen(function* () {
      const workerSet = yield* FiberSet.make<void, AttemptFailed>()
      const spawn = Effect.suspend(() => {
        workers += 1
        return FiberSet.run(workerSet, worker)
      })
      // Not Effect.forever: it yields to the scheduler after every round, which puts the worker
      // behind every other ready fiber before it may send again (a longer refill gap). Every round
      // waits on the network anyway, and the runtime still yields after a run of operations.
      const worker: Effect.Effect<void, AttemptFailed> = Effect.suspend(() => {
        const wanted = limiter.permits()
        if (workers > wanted) {
          workers -= 1
          return Effect.void
        }
        const round = Effect.zipRight(collectOne, worker)
        return workers < wanted ? Effect.zipRight(spawn, round) : round
      })
      yield* spawn
      return yield* FiberSet.join(workerSet)
    })
    const checkpoints = Effect.suspend(() => store.checkpoint(run.id, counters.snapshot())).pipe(
      Effect.withSpan("run.checkpoint"),
      Effect.catchAll(() => Effect.void),
      Effect.repeat(Schedule.spaced(Duration.millis(config.checkpointIntervalMs)))
    )

    yield* Effect.logInfo(resumed ? "run resumed" : "run started").pipe(
      Effect.annotateLogs({ seconds: run.seconds, endsAt: new Date(endsAt).toISOString() })
    )
    yield* Effect.gen(function* () {
      const remaining = endsAt - (yield* Clock.currentTimeMillis)
      if (remaining <= 0) return
      yield* Effect.addFinalizer(() => Effect.sync(() => inFlight.abort()))
      yield* Effect.forkScoped(checkpoints)
      yield* Effect.timeoutOption(Effect.scoped(workersUntilTheEnd), Duration.millis(remaining))
    }).pipe(
      Effect.scoped,
      // Shutdown: the run stays IN_PROGRESS with its counters saved, and resumes after a restart.
      Effect.onInterrupt(() =>
        store.checkpoint(run.id, counters.snapshot()).pipe(
          Effect.zipRight(Effect.logInfo("run interrupted, counters saved")),
          Effect.annotateLogs({ successfulResponsesCount: counters.successfulResponsesCount, sum: counters.sum.toString() }),
          Effect.catchAll(() => Effect.logError("run interrupted, counters could not be saved"))
        )
      )
    )

    const finishedAt = yield* Clock.currentTimeMillis
    yield* store.finish(run.id, counters.snapshot(), finishedAt).pipe(Effect.retry(storeRetry), Effect.withSpan("run.finish"))
    yield* Effect.logInfo("run finished").pipe(
      Effect.annotateLogs({
        successfulResponsesCount: counters.successfulResponsesCount,
        sum: counters.sum.toString(),
        upstreamLimit: limiter.snapshot()
      })
    )
  }).pipe(
    Effect.scoped,
    Effect.annotateLogs({ runId: admitted.id }),
    // A root: a run outlives the request that created it (run.admit, found by its run.id).
    Effect.withSpan("run.execute", {
      root: true,
      attributes: { "run.id": admitted.id, "run.seconds": admitted.seconds }
    })
  )
