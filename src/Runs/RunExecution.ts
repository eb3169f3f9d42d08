import { setMaxListeners } from "node:events"
import { Clock, Deferred, Duration, Effect, Either, Exit, FiberSet, Option, Schedule } from "effect"
import { EngineConfig } from "./EngineConfig.js"
import { StorageUnavailable } from "../Domain/Errors.js"
import type { Run } from "../Domain/Run.js"
import { EngineObserver } from "../Observability/EngineObserver.js"
import { spanSince } from "../Observability/Tracing.js"
import type { RunCounters } from "../Store/RunStore.js"
import { type Lease, RunLedger } from "./RunLedger.js"
import type { AttemptFailed } from "../Upstream/AttemptFailed.js"
import { retryPolicy } from "../Upstream/RetryPolicy.js"
import { UpstreamClient } from "../Upstream/UpstreamClient.js"
import { UpstreamLimiter } from "../Upstream/UpstreamLimiter.js"
import { LiveCounters } from "./LiveCounters.js"

/** What the engine shows for a run while it executes. */
export interface ExecutingRun {
  readonly run: Run
  readonly counters: LiveCounters
  /** The counters as last saved. */
  saved: RunCounters
}

/** How an execution ended: the run is FINISHED, or this replica gave it up (shutdown, lost lease). */
export type Outcome = "finished" | "released" | "lost"

export interface ExecutingRuns {
  readonly add: (executing: ExecutingRun) => void
  readonly remove: (executing: ExecutingRun) => void
}

// A run's final save is what makes its result durable: keep trying for a while before giving up
// (the last checkpoint is then what a restart finds).
const storeRetry = Schedule.exponential(Duration.millis(50)).pipe(Schedule.upTo(Duration.seconds(10)))

/**
 * Runs one claimed run to its end. A PENDING run starts now; a run resumed after a restart or a
 * take-over keeps its original end. The workers are interrupted at the deadline (Effect.timeout),
 * and a value is counted only if it arrived before the deadline, so nothing after the end can ever
 * be counted. Every write goes through the lease: once it is lost the run stops at once here.
 */
export const executeRun = (lease: Lease, executing: ExecutingRuns) =>
  Effect.gen(function* () {
    const ledger = yield* RunLedger
    const upstream = yield* UpstreamClient
    const limiter = yield* UpstreamLimiter
    const config = yield* EngineConfig
    const observer = yield* EngineObserver

    const now = yield* Clock.currentTimeMillis
    const admitted = lease.run
    const started = admitted.status === "IN_PROGRESS" && admitted.startedAt !== null && admitted.endsAt !== null
    const startedAt = started ? admitted.startedAt! : now
    const endsAt = started ? admitted.endsAt! : now + admitted.seconds * 1000
    const run: Run = { ...admitted, status: "IN_PROGRESS", startedAt, endsAt }
    if (!started) yield* ledger.markStarted(lease, startedAt, endsAt).pipe(Effect.retry(storeRetry))

    const counters = new LiveCounters(run.successfulResponsesCount, run.sum)
    const entry: ExecutingRun = { run, counters, saved: counters.snapshot() }
    const keeper = yield* makeLeaseKeeper(lease)
    if (!started) yield* spanSince("run.queue_wait", admitted.createdAt)
    // The run span carries the counts (no span per upstream attempt: thousands a second).
    let attempts = 0
    const countAttempt = Effect.sync(() => void attempts++)
    const runSpan = yield* Effect.currentSpan.pipe(Effect.option)
    yield* Effect.addFinalizer(() =>
      Effect.sync(() =>
        Option.map(runSpan, (span) => {
          span.attribute("run.resumed", started)
          span.attribute("run.takeovers", run.takeovers ?? 0)
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
    const send = upstream.attempt(run.id, inFlight.signal).pipe(Effect.ensuring(countAttempt))
    // Checked at every send, retries and waits for a slot included: a replica resumed after a stall
    // must not send one more request for a run whose lease may have passed to another.
    const sendWhileHeld =
      ledger.renewEveryMs === null ? send : Effect.flatMap(Clock.currentTimeMillis, (now) => (keeper.holds(now) ? send : Effect.never))
    const attempt = limiter.withSlot(run.id, sendWhileHeld).pipe(Effect.retry(retryPolicy))
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
      if (!keeper.holds(now)) {
        keeper.lose("its lease lapsed before it could be renewed", false)
        return Effect.never
      }
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
    const save = Effect.suspend(() => {
      const snapshot = counters.snapshot()
      return Effect.map(ledger.checkpoint(lease, snapshot), (written) => {
        if (written) entry.saved = snapshot
        else keeper.lose("the run's epoch moved on: another replica holds it")
      })
    })
    const checkpoints = save.pipe(
      Effect.withSpan("run.checkpoint"),
      Effect.catchAll(() => Effect.void),
      Effect.repeat(Schedule.spaced(Duration.millis(config.checkpointIntervalMs)))
    )

    yield* Effect.logInfo(lease.fresh ? "run started" : "run resumed").pipe(
      Effect.annotateLogs({ seconds: run.seconds, endsAt: new Date(endsAt).toISOString(), epoch: lease.epoch, takeovers: run.takeovers ?? 0 })
    )
    const window = yield* Effect.gen(function* () {
      const remaining = endsAt - (yield* Clock.currentTimeMillis)
      if (remaining <= 0) return "ended" as const
      yield* Effect.addFinalizer(() => Effect.sync(() => inFlight.abort()))
      yield* Effect.forkScoped(checkpoints)
      yield* Effect.forkScoped(keeper.keep)
      const ended = Effect.as(Effect.timeoutOption(Effect.scoped(workersUntilTheEnd), Duration.millis(remaining)), "ended" as const)
      return yield* Effect.raceFirst(ended, keeper.lost)
    }).pipe(
      Effect.scoped,
      // Shutdown: the run stays IN_PROGRESS with its counters saved, for another replica or a restart.
      Effect.onInterrupt(() =>
        ledger.release(lease, counters.snapshot()).pipe(
          Effect.flatMap((released) =>
            released ? Effect.logInfo("run interrupted, counters saved") : Effect.logWarning("run interrupted, its lease had moved on")
          ),
          Effect.annotateLogs({ successfulResponsesCount: counters.successfulResponsesCount, sum: counters.sum.toString() }),
          Effect.catchAll(() => Effect.logError("run interrupted, counters could not be saved"))
        )
      )
    )
    if (window !== "ended") return yield* handBackLostRun(lease, counters, window)

    const finishedAt = yield* Clock.currentTimeMillis
    const finished = yield* ledger.finish(lease, counters.snapshot(), finishedAt).pipe(
      Effect.retry(storeRetry),
      Effect.withSpan("run.finish")
    )
    if (!finished) {
      yield* Effect.logWarning("run not finished here: another replica holds it")
      return "lost" as const
    }
    yield* Effect.logInfo("run finished").pipe(
      Effect.annotateLogs({
        successfulResponsesCount: counters.successfulResponsesCount,
        sum: counters.sum.toString(),
        upstreamLimit: limiter.snapshot()
      })
    )
    return "finished" satisfies Outcome
  }).pipe(
    Effect.scoped,
    Effect.annotateLogs({ runId: lease.run.id }),
    // A root: a run outlives the request that created it (run.admit, found by its run.id).
    Effect.withSpan("run.execute", {
      root: true,
      attributes: { "run.id": lease.run.id, "run.seconds": lease.run.seconds }
    })
  )

/**
 * The lease's upkeep while the run executes: renewed every `renewEveryMs`. It is lost when the
 * renewal finds another epoch, or when it could not be renewed before it lapses (the database was
 * out of reach: another replica may hold it by now).
 */
const makeLeaseKeeper = (lease: Lease) =>
  Effect.gen(function* () {
    const ledger = yield* RunLedger
    const lost = yield* Deferred.make<LeaseLost>()
    let validUntil = lease.validUntil
    const lose = (reason: string, moved = true) => void Deferred.unsafeDone(lost, Exit.succeed({ reason, moved }))
    const renewOnce = Effect.gen(function* () {
      const renewed = yield* Effect.either(
        // Disconnected: a query stuck on a connection the server dropped while this process was
        // stopped must not hold the timeout (and with it the lease's loss) until it ends.
        Effect.timeoutFail(Effect.disconnect(ledger.renew(lease)), {
          duration: Duration.millis(ledger.renewEveryMs ?? 1_000),
          onTimeout: () => new StorageUnavailable({ message: "lease renewal timed out" })
        })
      )
      const now = yield* Clock.currentTimeMillis
      if (Either.isRight(renewed)) {
        if (renewed.right === null) lose("the run's epoch moved on: another replica holds it")
        else validUntil = renewed.right
      } else if (now >= validUntil) {
        lose("its lease lapsed while the database was out of reach", false)
      }
    })
    const keep =
      ledger.renewEveryMs === null
        ? Effect.never
        : renewOnce.pipe(Effect.repeat(Schedule.spaced(Duration.millis(ledger.renewEveryMs))), Effect.zipRight(Effect.never))
    return {
      keep,
      holds: (now: number) => now < validUntil,
      lose,
      lost: Deferred.await(lost)
    } as const
  })

interface LeaseLost {
  readonly reason: string
  /** True when another replica holds the run now; false when only the renewal failed. */
  readonly moved: boolean
}

/**
 * The run stopped here for good. When the lease only lapsed unrenewed, the counters are saved and
 * the run handed back once the database answers again, if no replica took it meanwhile (fencing).
 */
const handBackLostRun = (lease: Lease, counters: LiveCounters, lost: LeaseLost) =>
  Effect.gen(function* () {
    const ledger = yield* RunLedger
    yield* Effect.logWarning(`run stopped here: ${lost.reason}`).pipe(Effect.annotateLogs({ epoch: lease.epoch }))
    if (lost.moved) return "lost" as const
    const released = yield* ledger.release(lease, counters.snapshot()).pipe(
      Effect.retry(Schedule.spaced(Duration.millis(500)).pipe(Schedule.upTo(Duration.minutes(1)))),
      Effect.orElseSucceed(() => false)
    )
    yield* released
      ? Effect.logInfo("counters of the stopped run saved, run handed back")
      : Effect.logWarning("the stopped run had been taken over: its unsaved counters are dropped")
    return "lost" as const
  })
