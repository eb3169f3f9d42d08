import { Clock, Effect, Layer, Queue, Stream } from "effect"
import { EngineConfig } from "./EngineConfig.js"
import type { Run } from "../Domain/Run.js"
import type { RunId } from "../Domain/RunId.js"
import { RunStore } from "../Store/RunStore.js"
import { type Lease, RunLedger } from "./RunLedger.js"

/**
 * One process owns every run (SQLite): admission is a count of unfinished runs, the FIFO order a
 * bounded queue, and a lease never lapses. At start-up it re-admits what a restart left unfinished.
 */
export const LocalRunLedgerLive = Layer.scoped(
  RunLedger,
  Effect.gen(function* () {
    const config = yield* EngineConfig
    const store = yield* RunStore

    const admittable = yield* recoverUnfinished
    // Admitted and not yet finished, executing or queued. Admission compares this one number with
    // MAX_CONCURRENT_RUNS + MAX_PENDING_RUNS, so a slot that is just being handed over never turns
    // a run away; the queue's capacity is a bound it can never reach.
    let unfinished = admittable.length
    const queue = yield* Queue.bounded<Run>(config.maxUnfinishedRuns + admittable.length)
    yield* Queue.offerAll(queue, admittable)
    const executing = new Map<RunId, number | null>()

    const lease = (run: Run): Lease => ({ run, epoch: 0, fresh: run.status === "PENDING", validUntil: Number.POSITIVE_INFINITY })
    const asFinished = <E>(write: Effect.Effect<void, E>) => Effect.as(write, true)

    return RunLedger.of({
      admit: (run, key) =>
        Effect.gen(function* () {
          if (unfinished >= config.maxUnfinishedRuns) {
            let soonestEndAt: number | null = null
            for (const endsAt of executing.values()) {
              if (endsAt !== null && (soonestEndAt === null || endsAt < soonestEndAt)) soonestEndAt = endsAt
            }
            return { _tag: "QueueFull", soonestEndAt } as const
          }
          // Only a keyed insert is refused: another process stored the key since we looked.
          if (!(yield* store.insert(run, key))) return { _tag: "KeyTaken" } as const
          unfinished++
          yield* Queue.offer(queue, run)
          return { _tag: "Admitted" } as const
        }),
      claimNext: Effect.map(Queue.take(queue), (run) => {
        executing.set(run.id, run.endsAt)
        return lease(run)
      }),
      markStarted: (held, startedAt, endsAt) =>
        Effect.sync(() => executing.set(held.run.id, endsAt)).pipe(Effect.zipRight(store.markStarted(held.run.id, startedAt, endsAt))),
      renewEveryMs: null,
      renew: (held) => Effect.succeed(held.validUntil),
      checkpoint: (held, counters) => asFinished(store.checkpoint(held.run.id, counters)),
      finish: (held, counters, finishedAt) => asFinished(store.finish(held.run.id, counters, finishedAt)),
      // A restart of this process resumes it from here.
      release: (held, counters) => asFinished(store.checkpoint(held.run.id, counters)),
      ended: (held) => {
        executing.delete(held.run.id)
        unfinished--
      },
      activity: () => ({ inProgress: executing.size, pending: Math.max(0, unfinished - executing.size) }),
      remoteChanges: Stream.empty
    })
  })
)

/**
 * Restart rules: an in-progress run whose end has passed is FINISHED with its saved counters; the
 * others (in-progress first, as they held slots, then pending) are admitted again in their order.
 */
const recoverUnfinished = Effect.gen(function* () {
  const store = yield* RunStore
  const now = yield* Clock.currentTimeMillis
  const unfinished = yield* store.unfinished
  const resumable: Array<Run> = []
  const pending: Array<Run> = []
  for (const run of unfinished) {
    if (run.status === "PENDING") {
      pending.push(run)
    } else if (run.endsAt !== null && run.endsAt > now) {
      resumable.push(run)
    } else {
      yield* store.finish(run.id, run, run.endsAt ?? now)
      yield* Effect.logInfo("run finished at restart with its saved counters").pipe(Effect.annotateLogs({ runId: run.id }))
    }
  }
  if (resumable.length + pending.length > 0) {
    yield* Effect.logInfo("runs recovered").pipe(Effect.annotateLogs({ resuming: resumable.length, pending: pending.length }))
  }
  return [...resumable, ...pending]
})
