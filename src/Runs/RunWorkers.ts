import { setMaxListeners } from "node:events"
import { Duration, Effect, FiberSet } from "effect"
import type { EngineObserverShape } from "../Observability/EngineObserver.js"
import type { AttemptFailed } from "../Upstream/AttemptFailed.js"
import { pauseBeforeRetry } from "../Upstream/RetryPolicy.js"
import type { UpstreamClient } from "../Upstream/UpstreamClient.js"
import type { UpstreamLimiter } from "../Upstream/UpstreamLimiter.js"
import type { LeaseKeeper } from "./LeaseKeeper.js"
import type { LiveCounters } from "./LiveCounters.js"
import type { RunId } from "../Domain/RunId.js"

/** How long requests still in flight at a run's deadline may take to end before they are aborted. */
export const LATE_REQUEST_GRACE = Duration.seconds(2)

/** What the workers of one run work for and report to. */
export interface RunWindow {
  readonly runId: RunId
  /** The run's deadline (ms): no value that arrives from then on is counted. */
  readonly endsAt: number
  readonly counters: LiveCounters
  readonly keeper: LeaseKeeper
  /** Whether sends must check the lease (replicas renew it; a single process holds it for good). */
  readonly checkLeaseAtSend: boolean
  /** Upstream attempts made so far, for the run's span. */
  attempts: number
}

/**
 * The hot path: one run's upstream attempts, one after another on as many workers as the limiter
 * gives permits, until they are interrupted at the run's end (RunExecutor owns the deadline).
 * Every attempt is a handful of Effect operations built once per run: an Effect.retry and Clock
 * reads per attempt made up most of its cost, measured (bench/hot-path.ts).
 */
export const runWorkers = (
  upstream: UpstreamClient,
  limiter: UpstreamLimiter,
  observer: EngineObserverShape,
  window: RunWindow
): Effect.Effect<void, AttemptFailed> =>
  Effect.gen(function* () {
    const { runId, endsAt, counters, keeper } = window
    // The clock is read directly (it is the test's clock under TestClock): an Effect per read
    // would cost more than the read.
    const clock = yield* Effect.clock
    // Aborted when the workers end before the deadline (shutdown, a lost lease): every request still
    // in flight is abandoned at once. At the deadline they are given a grace to end on their own:
    // their answers are late and never counted, the upstream holds them until it answers either way,
    // and an abort closes the request's keep-alive connection, so that the next run reopened all of
    // them at once. The grace bounds how long a hung upstream keeps them (and their slots).
    const inFlight = new AbortController()
    setMaxListeners(0, inFlight.signal)
    const abandonInFlight = Effect.sync(() => inFlight.abort())
    yield* Effect.addFinalizer(() =>
      clock.unsafeCurrentTimeMillis() < endsAt
        ? abandonInFlight
        : Effect.asVoid(Effect.forkDaemon(Effect.delay(abandonInFlight, LATE_REQUEST_GRACE)))
    )
    const send = upstream.attempt(runId, inFlight.signal)
    // A lease found lapsed ends the run here at once (RunExecutor races the loss), rather than at
    // the next renewal, which a stalled process may not reach for a while.
    const stillHeld = (now: number) => {
      if (keeper.holds(now)) return true
      keeper.lose("its lease lapsed before it could be renewed", false)
      return false
    }
    // Checked at every send, waits for a slot included: a replica resumed after a stall must not
    // send one more request for a run whose lease may have passed to another.
    const sendWhileHeld = window.checkLeaseAtSend
      ? Effect.suspend(() => (stillHeld(clock.unsafeCurrentTimeMillis()) ? send : Effect.never))
      : send
    const attemptInSlot = limiter.withSlot(runId, sendWhileHeld)

    // Workers follow the limiter's permits: one per permit, started when the limit grows and
    // leaving when it shrinks. Idle extra workers would each wait a long time for a slot, and
    // every hand-over of a slot to another fiber of the same run is a detour before the next send.
    let workers = 0
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
      const now = clock.unsafeCurrentTimeMillis()
      if (now >= endsAt) return Effect.never
      if (!stillHeld(now)) return Effect.never
      // An answer is unlikely to arrive in time: leave the slots to runs that can use them.
      if (endsAt - now < limiter.roundTripMs() && limiter.othersWaiting(runId)) return Effect.never
      return workers < wanted ? Effect.zipRight(spawn, attemptAndCount) : attemptAndCount
    })
    const attemptAndCount: Effect.Effect<void, AttemptFailed> = Effect.matchCauseEffect(attemptInSlot, {
      // A value is counted only if it arrived before the deadline.
      onSuccess: (value) => {
        window.attempts += 1
        if (clock.unsafeCurrentTimeMillis() < endsAt) {
          counters.add(value)
          observer.successCounted()
        } else {
          observer.lateResponseDropped()
        }
        return worker
      },
      // A failed attempt is retried after its pause without the round's checks, as the
      // Effect.retry that this replaced did: the limiter's replay stays exactly as it was.
      onFailure: (cause) => {
        window.attempts += 1
        if (cause._tag !== "Fail") return Effect.failCause(cause)
        const pause = pauseBeforeRetry(cause.error)
        return pause === 0 ? attemptAndCount : Effect.zipRight(Effect.sleep(Duration.millis(pause)), attemptAndCount)
      }
    })
    yield* spawn
    return yield* FiberSet.join(workerSet)
  }).pipe(Effect.scoped)
