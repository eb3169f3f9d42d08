import { Deferred, Effect, PubSub, Queue, type Scope } from "effect"
import type { RunStatus } from "../Domain/Run.js"
import type { RunId } from "../Domain/RunId.js"

export interface StatusChange {
  readonly id: RunId
  readonly status: RunStatus
}

/** Why a follower woke up: its run changed, or the service is shutting down. */
export type Wake = "changed" | "closing"

/**
 * Tells those who wait on a run (long polls, event streams) when its status changes, so that they
 * sleep until then instead of polling. Closing wakes them all: a shutdown must not wait for them.
 */
export const makeRunChanges = Effect.gen(function* () {
  const changes = yield* PubSub.unbounded<StatusChange>()
  const closing = yield* Deferred.make<void>()

  /** Follows one run from now on, so that no change after this call is missed. */
  const follow = (id: RunId): Effect.Effect<{ readonly next: Effect.Effect<Wake> }, never, Scope.Scope> =>
    Effect.map(PubSub.subscribe(changes), (subscription) => {
      const changed = Queue.take(subscription).pipe(
        Effect.repeat({ until: (change) => change.id === id }),
        Effect.as<Wake>("changed")
      )
      return { next: Effect.raceFirst(changed, Deferred.await(closing).pipe(Effect.as<Wake>("closing"))) }
    })

  return {
    // Synchronous, for the engine's registry callbacks.
    publish: (change: StatusChange): void => void changes.unsafeOffer(change),
    close: Deferred.succeed(closing, undefined),
    follow
  } as const
})
