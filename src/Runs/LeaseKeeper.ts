import { Clock, type Context, Deferred, Duration, Effect, Either, Exit, Schedule } from "effect"
import { StorageUnavailable } from "../Domain/Errors.js"
import type { LiveCounters } from "./LiveCounters.js"
import type { Lease, RunLedger } from "./RunLedger.js"

export interface LeaseLost {
  readonly reason: string
  /** True when another replica holds the run now; false when only the renewal failed. */
  readonly moved: boolean
}

export interface LeaseKeeper {
  /** Renews the lease every `renewEveryMs` until the run's scope ends (never returns). */
  readonly keep: Effect.Effect<never>
  /** Whether the lease is still ours at `now` (ms), as far as the last renewal knows. */
  readonly holds: (now: number) => boolean
  readonly lose: (reason: string, moved?: boolean) => void
  /** Completes once the lease is lost. */
  readonly lost: Effect.Effect<LeaseLost>
}

/**
 * The lease's upkeep while the run executes: renewed every `renewEveryMs`. It is lost when the
 * renewal finds another epoch, or when it could not be renewed before it lapses (the database was
 * out of reach: another replica may hold it by now).
 */
export const makeLeaseKeeper = (ledger: Context.Tag.Service<RunLedger>, lease: Lease): Effect.Effect<LeaseKeeper> =>
  Effect.gen(function* () {
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
    }
  })

/**
 * The run stopped here for good. When the lease only lapsed unrenewed, the counters are saved and
 * the run handed back once the database answers again, if no replica took it meanwhile (fencing).
 */
export const handBackLostRun = (ledger: Context.Tag.Service<RunLedger>, lease: Lease, counters: LiveCounters, lost: LeaseLost) =>
  Effect.gen(function* () {
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
