import { Context, type Effect, type Option } from "effect"
import type { StorageUnavailable } from "../Domain/Errors.js"
import type { Run } from "../Domain/Run.js"
import type { RunId } from "../Domain/RunId.js"

export interface RunCounters {
  readonly successfulResponsesCount: number
  readonly sum: bigint
}

/**
 * Where runs are kept. The engine sees only this service, so a database is a layer choice
 * (SqlRunStore works on any @effect/sql client).
 */
export class RunStore extends Context.Tag("faulty-runs/RunStore")<
  RunStore,
  {
    readonly insert: (run: Run) => Effect.Effect<void, StorageUnavailable>
    readonly markStarted: (id: RunId, startedAt: number, endsAt: number) => Effect.Effect<void, StorageUnavailable>
    /** Saves the live counters of a run that is still in progress. */
    readonly checkpoint: (id: RunId, counters: RunCounters) => Effect.Effect<void, StorageUnavailable>
    readonly finish: (id: RunId, counters: RunCounters, finishedAt: number) => Effect.Effect<void, StorageUnavailable>
    readonly get: (id: RunId) => Effect.Effect<Option.Option<Run>, StorageUnavailable>
    /** PENDING and IN_PROGRESS runs, oldest first: the order they were admitted in. */
    readonly unfinished: Effect.Effect<ReadonlyArray<Run>, StorageUnavailable>
  }
>() {}
