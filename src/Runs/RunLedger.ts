import { Context, type Effect, type Stream } from "effect"
import type { StorageUnavailable } from "../Domain/Errors.js"
import type { Run } from "../Domain/Run.js"
import type { NewIdempotencyKey, RunCounters } from "../Store/RunStore.js"
import type { StatusChange } from "./RunChanges.js"

/** A run this replica may execute, as long as its epoch is the run's current one. */
export interface Lease {
  readonly run: Run
  readonly epoch: number
  /** False when the run had started before (a restart or a take-over): it keeps its original end. */
  readonly fresh: boolean
  /** This replica's clock: past it, the lease may belong to another replica. */
  readonly validUntil: number
}

export type Admission =
  | { readonly _tag: "Admitted" }
  /** No room for one more unfinished run; `soonestEndAt` is the earliest end of an executing run. */
  | { readonly _tag: "QueueFull"; readonly soonestEndAt: number | null }
  /** The Idempotency-Key is held by an unexpired run: that run is the answer. Nothing was stored. */
  | { readonly _tag: "KeyTaken" }

export interface Activity {
  readonly inProgress: number
  readonly pending: number
}

/**
 * Who may run what, and when: admission against MAX_CONCURRENT_RUNS + MAX_PENDING_RUNS, the FIFO
 * order in which runs get a slot, and the leases that say which replica executes a run. The engine
 * executes what it claims and writes a run only through its lease, so a write of a replica that lost
 * the lease changes nothing (fencing). One process on SQLite holds every lease for ever; replicas on
 * PostgreSQL share them through the database.
 */
export class RunLedger extends Context.Tag("faulty-runs/RunLedger")<
  RunLedger,
  {
    readonly admit: (run: Run, key: NewIdempotencyKey | undefined) => Effect.Effect<Admission, StorageUnavailable>
    /**
     * Waits until a run may start on this replica (the oldest PENDING one while fewer than
     * MAX_CONCURRENT_RUNS execute, or one whose lease lapsed) and claims it. Call it holding a slot.
     */
    readonly claimNext: Effect.Effect<Lease>
    /** Marks a fresh PENDING run started (a claim on PostgreSQL does it itself). */
    readonly markStarted: (lease: Lease, startedAt: number, endsAt: number) => Effect.Effect<void, StorageUnavailable>
    /** How often a lease must be renewed; null when leases never lapse. */
    readonly renewEveryMs: number | null
    /** The lease's new `validUntil`, or null once it belongs to another replica. */
    readonly renew: (lease: Lease) => Effect.Effect<number | null, StorageUnavailable>
    /** Saves the counters of a run in progress; false when the lease is gone (nothing written). */
    readonly checkpoint: (lease: Lease, counters: RunCounters) => Effect.Effect<boolean, StorageUnavailable>
    readonly finish: (lease: Lease, counters: RunCounters, finishedAt: number) => Effect.Effect<boolean, StorageUnavailable>
    /** Saves the counters and hands the run back, for another replica (or a restart) to carry on. */
    readonly release: (lease: Lease, counters: RunCounters) => Effect.Effect<boolean, StorageUnavailable>
    /** The run no longer takes a slot here (finished, released or lost). */
    readonly ended: (lease: Lease) => void
    /** Runs executing and waiting, as this replica last saw them (all replicas on PostgreSQL). */
    readonly activity: () => Activity
    /** Status changes made by other replicas (empty on one process). */
    readonly remoteChanges: Stream.Stream<StatusChange>
  }
>() {}
