import { Clock, Effect, FiberSet, Option, Queue } from "effect"
import { AppConfig } from "../Config.js"
import { RunNotFound, TooManyRuns } from "../Domain/Errors.js"
import type { Run } from "../Domain/Run.js"
import { makeRunIdGenerator, type RunId } from "../Domain/RunId.js"
import { RunStore } from "../Store/RunStore.js"
import { executeRun, type ExecutingRun } from "./RunExecution.js"

/**
 * Admission and dispatch of runs. At most MAX_CONCURRENT_RUNS execute; the rest wait FIFO in a
 * bounded queue. The dispatcher takes a run slot *before* it takes from the queue, so waiting runs
 * stay PENDING in the queue until a slot frees up.
 */
export class Runs extends Effect.Service<Runs>()("faulty-runs/Runs", {
  scoped: Effect.gen(function* () {
    const config = yield* AppConfig
    const store = yield* RunStore
    const context = yield* Effect.context<Effect.Effect.Context<ReturnType<typeof executeRun>>>()
    const newRunId = makeRunIdGenerator()

    const executing = new Map<RunId, ExecutingRun>()
    const registry = {
      add: (entry: ExecutingRun) => void executing.set(entry.run.id, entry),
      remove: (entry: ExecutingRun) => void executing.delete(entry.run.id)
    }

    const admittable = yield* recoverUnfinished
    // Admitted and not yet finished, executing or queued. Admission compares this one number with
    // MAX_CONCURRENT_RUNS + MAX_PENDING_RUNS, so a slot that is just being handed over never turns
    // a run away; the queue's capacity is a bound it can never reach.
    let unfinished = admittable.length
    const queue = yield* Queue.bounded<Run>(config.maxConcurrentRuns + config.maxPendingRuns + admittable.length)
    yield* Queue.offerAll(queue, admittable)

    const runSlots = yield* Effect.makeSemaphore(config.maxConcurrentRuns)
    const executions = yield* FiberSet.make<void, never>()
    const admission = yield* Effect.makeSemaphore(1)

    const execute = (run: Run) =>
      executeRun(run, registry).pipe(
        Effect.catchAllCause((cause) => Effect.logError("run failed", cause).pipe(Effect.annotateLogs({ runId: run.id }))),
        Effect.provide(context),
        Effect.ensuring(Effect.sync(() => unfinished--).pipe(Effect.zipRight(runSlots.release(1))))
      )

    yield* Effect.gen(function* () {
      yield* runSlots.take(1)
      const run = yield* Queue.take(queue)
      yield* FiberSet.run(executions, execute(run))
    }).pipe(Effect.forever, Effect.forkScoped)

    const retryAfterSeconds = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      let soonestEnd = Number.POSITIVE_INFINITY
      for (const { run } of executing.values()) soonestEnd = Math.min(soonestEnd, run.endsAt ?? soonestEnd)
      return Number.isFinite(soonestEnd) ? Math.max(1, Math.ceil((soonestEnd - now) / 1000)) : 1
    })

    const create = (seconds: number) =>
      admission.withPermits(1)(
        Effect.gen(function* () {
          if (unfinished >= config.maxConcurrentRuns + config.maxPendingRuns) {
            return yield* new TooManyRuns({
              retryAfterSeconds: yield* retryAfterSeconds,
              maxPendingRuns: config.maxPendingRuns,
              message: `the queue of pending runs is full (MAX_PENDING_RUNS=${config.maxPendingRuns})`
            })
          }
          const now = yield* Clock.currentTimeMillis
          const run: Run = {
            id: newRunId(now),
            seconds,
            status: "PENDING",
            successfulResponsesCount: 0,
            sum: 0n,
            createdAt: now,
            startedAt: null,
            endsAt: null,
            finishedAt: null
          }
          yield* store.insert(run)
          unfinished++
          yield* Queue.offer(queue, run)
          yield* Effect.logInfo("run created").pipe(Effect.annotateLogs({ runId: run.id, seconds }))
          return run
        })
      )

    const get = (id: string) =>
      Effect.gen(function* () {
        const live = executing.get(id as RunId)
        if (live !== undefined) {
          return { ...live.run, ...live.counters.snapshot() } satisfies Run
        }
        const stored = yield* store.get(id as RunId)
        return yield* Option.match(stored, {
          onNone: () => Effect.fail(RunNotFound.forId(id)),
          onSome: Effect.succeed
        })
      })

    return { create, get } as const
  })
}) {}

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
