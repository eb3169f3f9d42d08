import { Clock, Duration, Effect, FiberSet, Layer, Option, Stream } from "effect"
import { IdempotencyKeyReused, RunNotFound, type StorageUnavailable, TooManyRuns } from "../Domain/Errors.js"
import { IDEMPOTENCY_KEY_TTL_MS, requestFingerprint } from "../Domain/Idempotency.js"
import type { CreateRun, Run, RunStatus } from "../Domain/Run.js"
import { makeRunIdGenerator, type RunId } from "../Domain/RunId.js"
import { cursorAfter, DEFAULT_PAGE_SIZE, type RunCursor, runIdOfCursor } from "../Domain/RunListing.js"
import { EngineObserver } from "../Observability/EngineObserver.js"
import { RunLedgerLive } from "../Store/RunLedgerLive.js"
import { RunStore, type RunTotals } from "../Store/RunStore.js"
import { EngineConfig } from "./EngineConfig.js"
import { makeRunChanges } from "./RunChanges.js"
import { type ExecutingRun, RunExecutor } from "./RunExecutor.js"
import { type Lease, RunLedger } from "./RunLedger.js"

export interface Created {
  readonly run: Run
  /** True when an Idempotency-Key returned the run it had created before. */
  readonly replayed: boolean
}

export interface RunPageQuery {
  readonly status?: RunStatus
  /** A page's `nextCursor`: the page starts after the run it names. */
  readonly cursor?: RunCursor
  readonly limit?: number
}

export interface RunsPage {
  readonly runs: ReadonlyArray<Run>
  /** The cursor of the next page; null on the last page. */
  readonly nextCursor: string | null
}

/**
 * The run engine: creates runs, executes those the RunLedger hands to this replica, and answers for
 * any run (live counters for those executing here, the database for the others). The ledger decides
 * admission and the FIFO order, for one process or for all replicas together.
 */
export class Runs extends Effect.Service<Runs>()("faulty-runs/Runs", {
  // The executor shares the one ledger with the engine.
  dependencies: [RunExecutor.Default.pipe(Layer.provideMerge(RunLedgerLive))],
  scoped: Effect.gen(function* () {
    const config = yield* EngineConfig
    const store = yield* RunStore
    const ledger = yield* RunLedger
    const observer = yield* EngineObserver
    const executor = yield* RunExecutor
    const newRunId = makeRunIdGenerator()

    const executing = new Map<RunId, ExecutingRun>()
    const changes = yield* makeRunChanges
    const registry = {
      add: (entry: ExecutingRun) => {
        executing.set(entry.run.id, entry)
        observer.runStarted()
        changes.publish({ id: entry.run.id, status: "IN_PROGRESS" })
      },
      remove: (entry: ExecutingRun) => void executing.delete(entry.run.id)
    }

    // This replica's own slots: the dispatcher takes one *before* it claims, so a run waits in the
    // ledger (PENDING) until a slot here is free.
    const runSlots = yield* Effect.makeSemaphore(config.maxConcurrentRuns)
    const executions = yield* FiberSet.make<void, never>()
    const admission = yield* Effect.makeSemaphore(1)

    const execute = (lease: Lease) =>
      executor.execute(lease, registry).pipe(
        // Only a run that completed is FINISHED: one interrupted by a shutdown, or whose lease was
        // lost, stays IN_PROGRESS for whoever holds it next.
        Effect.tap((outcome) => {
          if (outcome !== "finished") return
          observer.runFinished()
          changes.publish({ id: lease.run.id, status: "FINISHED" })
        }),
        Effect.asVoid,
        Effect.catchAllCause((cause) => Effect.logError("run failed", cause).pipe(Effect.annotateLogs({ runId: lease.run.id }))),
        Effect.ensuring(Effect.sync(() => ledger.ended(lease)).pipe(Effect.zipRight(runSlots.release(1))))
      )

    yield* Effect.gen(function* () {
      yield* runSlots.take(1)
      const lease = yield* ledger.claimNext
      yield* FiberSet.run(executions, execute(lease))
    }).pipe(Effect.forever, Effect.forkScoped)

    // What other replicas change reaches the long polls and event streams waiting here.
    yield* ledger.remoteChanges.pipe(
      Stream.runForEach((change) => Effect.sync(() => changes.publish(change))),
      Effect.forkScoped
    )

    const retryAfterSeconds = (soonestEndAt: number | null) =>
      Effect.map(Clock.currentTimeMillis, (now) =>
        soonestEndAt === null ? 1 : Math.max(1, Math.ceil((soonestEndAt - now) / 1000))
      )

    const get = (id: string) =>
      Effect.gen(function* () {
        const live = executing.get(id as RunId)
        if (live !== undefined) return withLiveCounters(live)
        const stored = yield* store.get(id as RunId)
        return yield* Option.match(stored, {
          onNone: () => Effect.fail(RunNotFound.forId(id)),
          onSome: Effect.succeed
        })
      })

    const withLiveCounters = (live: ExecutingRun): Run => ({ ...live.run, ...live.counters.snapshot() })

    /** The run an unexpired key created, or a refusal if the key came with another body. */
    const findReplay = (key: string, fingerprint: string, now: number) =>
      Effect.gen(function* () {
        const record = yield* store.findIdempotencyKey(key, now - IDEMPOTENCY_KEY_TTL_MS)
        if (Option.isNone(record)) return Option.none<Created>()
        if (record.value.fingerprint !== fingerprint) {
          return yield* new IdempotencyKeyReused({
            key,
            message: "this Idempotency-Key was used with a different request body; use a new key for a new run"
          })
        }
        const run = yield* get(record.value.runId).pipe(
          Effect.catchTag("RunNotFound", () => Effect.dieMessage(`Idempotency-Key ${key} points at a missing run`))
        )
        return Option.some<Created>({ run, replayed: true })
      })

    const admit = (request: Pick<CreateRun, "seconds">, key: Option.Option<string>) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const fingerprint = requestFingerprint(request)
        if (Option.isSome(key)) {
          const earlier = yield* findReplay(key.value, fingerprint, now)
          if (Option.isSome(earlier)) return earlier.value
        }
        const run: Run = {
          id: newRunId(now),
          seconds: request.seconds,
          status: "PENDING",
          successfulResponsesCount: 0,
          sum: 0n,
          createdAt: now,
          startedAt: null,
          endsAt: null,
          finishedAt: null
        }
        const admitted = yield* ledger.admit(
          run,
          Option.getOrUndefined(
            Option.map(key, (value) => ({ key: value, fingerprint, validSince: now - IDEMPOTENCY_KEY_TTL_MS }))
          )
        )
        if (admitted._tag === "QueueFull") {
          observer.runRefused()
          return yield* new TooManyRuns({
            retryAfterSeconds: yield* retryAfterSeconds(admitted.soonestEndAt),
            maxPendingRuns: config.maxPendingRuns,
            message: `the queue of pending runs is full (MAX_PENDING_RUNS=${config.maxPendingRuns})`
          })
        }
        if (admitted._tag === "KeyTaken") {
          // Another process stored the key since we looked. Its run is the answer.
          const winner = yield* findReplay(Option.getOrThrow(key), fingerprint, now)
          return yield* Option.match(winner, {
            onNone: () => Effect.dieMessage("an Idempotency-Key was taken and then vanished"),
            onSome: Effect.succeed
          })
        }
        observer.runCreated()
        yield* Effect.logInfo("run created").pipe(Effect.annotateLogs({ runId: run.id, seconds: run.seconds }))
        return { run, replayed: false } satisfies Created
      }).pipe(
        Effect.tap((created) => Effect.annotateCurrentSpan({ "run.id": created.run.id, "run.replayed": created.replayed })),
        Effect.withSpan("run.admit", { attributes: { "run.seconds": request.seconds } })
      )

    // Admission is one at a time, which also makes a key's look-then-insert race-free here.
    const create = (seconds: number) =>
      admission.withPermits(1)(Effect.map(admit({ seconds }, Option.none()), (created) => created.run))

    /** Creates a run, or returns the one an unexpired Idempotency-Key already created. */
    const createOnce = (seconds: number, idempotencyKey: Option.Option<string>) =>
      admission.withPermits(1)(admit({ seconds }, idempotencyKey))

    /** A page of runs, newest first, with the live counters of those executing. */
    const page = (query: RunPageQuery) => {
      const limit = query.limit ?? DEFAULT_PAGE_SIZE
      const before = query.cursor === undefined ? undefined : runIdOfCursor(query.cursor)
      // One run more than the page holds tells whether a next page exists.
      return Effect.map(store.list({ status: query.status, before, limit: limit + 1 }), (found): RunsPage => {
        const runs = found.slice(0, limit).map((run) => {
          const live = executing.get(run.id)
          return live === undefined ? run : withLiveCounters(live)
        })
        const last = runs[runs.length - 1]
        return { runs, nextCursor: found.length > limit && last !== undefined ? cursorAfter(last.id) : null }
      })
    }

    /**
     * Long polling: the run once it is FINISHED, or as it is when `maxWait` has passed. The wait
     * sleeps until the run's own status changes; a shutdown ends it early.
     */
    const awaitFinished = (id: string, maxWait: Duration.Duration) =>
      Effect.gen(function* () {
        const follower = yield* changes.follow(id as RunId)
        const deadline = (yield* Clock.currentTimeMillis) + Duration.toMillis(maxWait)
        let run = yield* get(id)
        while (run.status !== "FINISHED") {
          const remaining = deadline - (yield* Clock.currentTimeMillis)
          if (remaining <= 0) break
          const wake = yield* follower.next.pipe(Effect.timeoutOption(Duration.millis(remaining)))
          if (Option.isSome(wake) && wake.value === "closing") return yield* Effect.orElseSucceed(get(id), () => run)
          run = yield* get(id)
          if (Option.isNone(wake)) break
        }
        return run
      }).pipe(Effect.scoped)

    /**
     * The run's states from now until it is FINISHED: its state at once, then on each status
     * change and every `progressEvery` while IN_PROGRESS. Consecutive states may be equal. The
     * stream ends early when the service shuts down.
     */
    const watch = (id: string, progressEvery: Duration.Duration): Stream.Stream<Run, RunNotFound | StorageUnavailable> =>
      Stream.unwrapScoped(
        Effect.gen(function* () {
          const follower = yield* changes.follow(id as RunId)
          const tick = Effect.as(Effect.sleep(progressEvery), "changed" as const)
          const after = (run: Run) =>
            run.status === "FINISHED"
              ? Effect.succeedNone
              : (run.status === "PENDING" ? follower.next : Effect.raceFirst(follower.next, tick)).pipe(
                  Effect.flatMap((wake) =>
                    wake === "closing" ? Effect.succeedNone : Effect.map(get(id), (next) => Option.some([next, next] as const))
                  )
                )
          const first = yield* get(id)
          return Stream.concat(Stream.succeed(first), Stream.unfoldEffect(first, after))
        })
      )

    /** How many runs execute now and how many wait (a run being handed a slot counts as waiting). */
    const activity = ledger.activity

    /** The saved totals, with the live counts of the runs executing here in place of their last checkpoint. */
    const totals = Effect.map(
      store.totals,
      (saved): RunTotals => {
        let successes = saved.byStatus.IN_PROGRESS.successes
        for (const entry of executing.values()) successes += entry.counters.successfulResponsesCount - entry.saved.successfulResponsesCount
        return {
          ...saved,
          byStatus: { ...saved.byStatus, IN_PROGRESS: { runs: saved.byStatus.IN_PROGRESS.runs, successes } }
        }
      }
    )

    // Added last, so it runs first at shutdown: waiters answer before the runs are interrupted.
    yield* Effect.addFinalizer(() => changes.close)

    return {
      create,
      createOnce,
      get,
      page,
      awaitFinished,
      watch,
      activity,
      totals,
      /** Answers every long poll and ends every event stream now (the server is about to close). */
      releaseWaiters: changes.close
    } as const
  })
}) {}
