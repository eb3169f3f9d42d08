import { Deferred, Effect, PubSub, Queue } from "effect";
/**
 * Tells those who wait on a run (long polls, event streams) when its status changes, so that they
 * sleep until then instead of polling. Closing wakes them all: a shutdown must not wait for them.
 */
export const makeRunChanges = Effect.gen(function* () {
    const changes = yield* PubSub.unbounded();
    const closing = yield* Deferred.make();
    /** Follows one run from now on, so that no change after this call is missed. */
    const follow = (id) => Effect.map(PubSub.subscribe(changes), (subscription) => {
        const changed = Queue.take(subscription).pipe(Effect.repeat({ until: (change) => change.id === id }), Effect.as("changed"));
        return { next: Effect.raceFirst(changed, Deferred.await(closing).pipe(Effect.as("closing"))) };
    });
    return {
        // Synchronous, for the engine's registry callbacks.
        publish: (change) => void changes.unsafeOffer(change),
        close: Deferred.succeed(closing, undefined),
        follow
    };
});
