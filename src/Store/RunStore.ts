import { Context, type Effect, type Option } from "effect"
import type { StorageUnavailable } from "../Domain/Errors.js"
import type { Run, RunStatus } from "../Domain/Run.js"
import type { RunId } from "../Domain/RunId.js"

/** An Idempotency-Key to record with a new run; keys created before `validSince` have expired. */
export interface NewIdempotencyKey {
  readonly key: string
  readonly fingerprint: string
  readonly validSince: number
}

export interface IdempotencyKeyRecord {
  readonly key: string
  readonly fingerprint: string
  readonly runId: RunId
  readonly createdAt: number
}

export interface RunListQuery {
  readonly status: RunStatus | undefined
  /** Only runs with a smaller id, i.e. created earlier. */
  readonly before: RunId | undefined
  readonly limit: number
}

export interface RunCounters {
  readonly successfulResponsesCount: number
  readonly sum: bigint
}

export interface StatusTotals {
  readonly runs: number
  readonly successes: number
}

export interface RunTotals {
  readonly byStatus: Readonly<Record<RunStatus, StatusTotals>>
  /** The mean over FINISHED runs of successes per second of their lifetime; null when none finished. */
  readonly finishedMeanSuccessesPerSecond: number | null
}

/**
 * Where runs are kept. The engine sees only this service, so a database is a layer choice
 * (SqlRunStore works on any @effect/sql client).
 */
export class RunStore extends Context.Tag("faulty-runs/RunStore")<
  RunStore,
  {
    /**
     * Stores a new run, and its Idempotency-Key in the same transaction. False, and nothing stored,
     * when the key is already held by an unexpired run (even one another process just stored).
     */
    readonly insert: (run: Run, key?: NewIdempotencyKey) => Effect.Effect<boolean, StorageUnavailable>
    readonly findIdempotencyKey: (
      key: string,
      validSince: number
    ) => Effect.Effect<Option.Option<IdempotencyKeyRecord>, StorageUnavailable>
    readonly markStarted: (id: RunId, startedAt: number, endsAt: number) => Effect.Effect<void, StorageUnavailable>
    /** Saves the live counters of a run that is still in progress. */
    readonly checkpoint: (id: RunId, counters: RunCounters) => Effect.Effect<void, StorageUnavailable>
    readonly finish: (id: RunId, counters: RunCounters, finishedAt: number) => Effect.Effect<void, StorageUnavailable>
    readonly get: (id: RunId) => Effect.Effect<Option.Option<Run>, StorageUnavailable>
    /** Newest first. */
    readonly list: (query: RunListQuery) => Effect.Effect<ReadonlyArray<Run>, StorageUnavailable>
    /** PENDING and IN_PROGRESS runs, oldest first: the order they were admitted in. */
    readonly unfinished: Effect.Effect<ReadonlyArray<Run>, StorageUnavailable>
    /** Counts by status, as saved (an executing run's count lags by up to one checkpoint). */
    readonly totals: Effect.Effect<RunTotals, StorageUnavailable>
  }
>() {}
