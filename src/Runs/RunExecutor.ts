import { Clock, Duration, Effect, Option, Schedule } from "effect"
import { EngineConfig } from "./EngineConfig.js"
import type { Run } from "../Domain/Run.js"
import { EngineObserver } from "../Observability/EngineObserver.js"
import { spanSince } from "../Observability/Tracing.js"
import type { RunCounters } from "../Store/RunStore.js"
import { UpstreamClient } from "../Upstream/UpstreamClient.js"
import { UpstreamLimiter } from "../Upstream/UpstreamLimiter.js"
import { handBackLostRun, type LeaseKeeper, makeLeaseKeeper } from "./LeaseKeeper.js"
import { LiveCounters } from "./LiveCounters.js"
import { type Lease, RunLedger } from "./RunLedger.js"
import { runWorkers, type RunWindow } from "./RunWorkers.js"

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

/** A run whose window is open: started (or resumed), with its live counters and its lease's keeper. */
interface OpenRun {
  readonly lease: Lease
  readonly entry: ExecutingRun
  readonly window: RunWindow
  readonly keeper: LeaseKeeper
  /** True when the run had started before (a restart or a take-over resumed it). */
  readonly resumed: boolean
}

/**
 * Runs one claimed run to its end, in phases: open the window, run the workers until the
 * deadline (with checkpoints and the lease's renewal beside them), close. Every write goes
 * through the lease: once it is lost the run stops at once here.
 */
export class RunExecutor extends Effect.Service<RunExecutor>()("faulty-runs/RunExecutor", {
  effect: Effect.gen(function* () {
    const ledger = yield* RunLedger
    const upstream = yield* UpstreamClient
    const limiter = yield* UpstreamLimiter
    const config = yield* EngineConfig
    const observer = yield* EngineObserver

    /** A PENDING run starts now; a run resumed after a restart or a take-over keeps its original end. */
    const openWindow = (lease: Lease, executing: ExecutingRuns) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const admitted = lease.run
        const resumed = admitted.status === "IN_PROGRESS" && admitted.startedAt !== null && admitted.endsAt !== null
        const startedAt = resumed ? admitted.startedAt! : now
        const endsAt = resumed ? admitted.endsAt! : now + admitted.seconds * 1000
        const run: Run = { ...admitted, status: "IN_PROGRESS", startedAt, endsAt }
        if (!resumed) yield* ledger.markStarted(lease, startedAt, endsAt).pipe(Effect.retry(storeRetry))

        const counters = new LiveCounters(run.successfulResponsesCount, run.sum)
        const entry: ExecutingRun = { run, counters, saved: counters.snapshot() }
        const keeper = yield* makeLeaseKeeper(ledger, lease)
        if (!resumed) yield* spanSince("run.queue_wait", admitted.createdAt)
        const window: RunWindow = {
          runId: run.id,
          endsAt,
          counters,
          keeper,
          checkLeaseAtSend: ledger.renewEveryMs !== null,
          attempts: 0
        }
        const open: OpenRun = { lease, entry, window, keeper, resumed }
        yield* annotateRunSpanAtTheEnd(open)
        executing.add(entry)
        yield* Effect.addFinalizer(() => Effect.sync(() => executing.remove(entry)))
        yield* Effect.logInfo(lease.fresh ? "run started" : "run resumed").pipe(
          Effect.annotateLogs({ seconds: run.seconds, endsAt: new Date(endsAt).toISOString(), epoch: lease.epoch, takeovers: run.takeovers ?? 0 })
        )
        return open
      })

    // The run span carries the counts (no span per upstream attempt: thousands a second).
    const annotateRunSpanAtTheEnd = ({ entry, resumed, window }: OpenRun) =>
      Effect.flatMap(Effect.option(Effect.currentSpan), (runSpan) =>
        Effect.addFinalizer(() =>
          Effect.sync(() =>
            Option.map(runSpan, (span) => {
              span.attribute("run.resumed", resumed)
              span.attribute("run.takeovers", entry.run.takeovers ?? 0)
              span.attribute("run.successful_responses_count", entry.counters.successfulResponsesCount)
              span.attribute("run.sum", entry.counters.sum.toString())
              span.attribute("run.upstream_attempts", window.attempts)
            })
          )
        )
      )

    const checkpoints = ({ lease, entry, keeper }: OpenRun) => {
      const save = Effect.suspend(() => {
        const snapshot = entry.counters.snapshot()
        return Effect.map(ledger.checkpoint(lease, snapshot), (written) => {
          if (written) entry.saved = snapshot
          else keeper.lose("the run's epoch moved on: another replica holds it")
        })
      })
      return save.pipe(
        Effect.withSpan("run.checkpoint"),
        Effect.catchAll(() => Effect.void),
        Effect.repeat(Schedule.spaced(Duration.millis(config.checkpointIntervalMs)))
      )
    }

    /**
     * The deadline rule: the workers are interrupted at the run's end (Effect.timeout), and a value
     * is counted only if it arrived before it (RunWorkers), so nothing after the end can ever be
     * counted. A lost lease ends the window early.
     */
    const untilTheDeadline = (open: OpenRun) =>
      Effect.gen(function* () {
        const remaining = open.window.endsAt - (yield* Clock.currentTimeMillis)
        if (remaining <= 0) return "ended" as const
        yield* Effect.forkScoped(checkpoints(open))
        yield* Effect.forkScoped(open.keeper.keep)
        const workers = Effect.timeoutOption(runWorkers(upstream, limiter, observer, open.window), Duration.millis(remaining))
        return yield* Effect.raceFirst(Effect.as(workers, "ended" as const), open.keeper.lost)
      }).pipe(Effect.scoped)

    // Shutdown: the run stays IN_PROGRESS with its counters saved, for another replica or a restart.
    const releaseOnShutdown = ({ lease, entry: { counters } }: OpenRun) =>
      ledger.release(lease, counters.snapshot()).pipe(
        Effect.flatMap((released) =>
          released ? Effect.logInfo("run interrupted, counters saved") : Effect.logWarning("run interrupted, its lease had moved on")
        ),
        Effect.annotateLogs({ successfulResponsesCount: counters.successfulResponsesCount, sum: counters.sum.toString() }),
        Effect.catchAll(() => Effect.logError("run interrupted, counters could not be saved"))
      )

    const close = ({ lease, entry: { counters } }: OpenRun) =>
      Effect.gen(function* () {
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
        return "finished" as const
      })

    const execute = (lease: Lease, executing: ExecutingRuns) =>
      Effect.gen(function* () {
        const open = yield* openWindow(lease, executing)
        const ended = yield* untilTheDeadline(open).pipe(Effect.onInterrupt(() => releaseOnShutdown(open)))
        if (ended !== "ended") return yield* handBackLostRun(ledger, lease, open.entry.counters, ended)
        return yield* close(open)
      }).pipe(
        Effect.scoped,
        Effect.annotateLogs({ runId: lease.run.id }),
        // A root: a run outlives the request that created it (run.admit, found by its run.id).
        Effect.withSpan("run.execute", {
          root: true,
          attributes: { "run.id": lease.run.id, "run.seconds": lease.run.seconds }
        })
      )

    return { execute } as const
  })
}) {}
