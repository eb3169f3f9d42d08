import { Effect } from "effect";
/**
 * A counting semaphore that hands free slots to waiting keys (runs) in round-robin order.
 * A plain semaphore lets a releasing fiber take its slot straight back before a woken waiter
 * runs, so one run could starve the others; here a released slot goes to the next run in turn.
 */
export class FairSlots {
    limit;
    inUse = 0;
    /** Keys with waiters, in turn order (a Map iterates in insertion order). */
    waiting = new Map();
    constructor(limit) {
        this.limit = limit;
    }
    get capacity() {
        return this.limit;
    }
    get busy() {
        return this.inUse;
    }
    withSlot(key, use) {
        return Effect.uninterruptibleMask((restore) => Effect.suspend(() => {
            if (this.inUse < this.limit && this.waiting.size === 0) {
                this.inUse += 1;
                return restore(use).pipe(Effect.ensuring(Effect.sync(() => this.release())));
            }
            const waiter = { granted: false, wake: () => { } };
            return restore(Effect.async((resume) => {
                ;
                waiter.wake = () => resume(Effect.void);
                this.enqueue(key, waiter);
            })).pipe(
            // Interrupted while waiting: give the slot back if it was granted meanwhile.
            Effect.onInterrupt(() => Effect.sync(() => (waiter.granted ? this.release() : this.forget(key, waiter)))), Effect.zipRight(restore(use).pipe(Effect.ensuring(Effect.sync(() => this.release())))));
        }));
    }
    /** Whether keys other than this one are waiting for a slot. */
    othersWaiting(key) {
        return this.waiting.size > (this.waiting.has(key) ? 1 : 0);
    }
    resize(limit) {
        const next = Math.max(1, Math.floor(limit));
        if (next === this.limit)
            return;
        this.limit = next;
        this.grant();
    }
    enqueue(key, waiter) {
        const queue = this.waiting.get(key);
        if (queue === undefined)
            this.waiting.set(key, [waiter]);
        else
            queue.push(waiter);
    }
    forget(key, waiter) {
        const queue = this.waiting.get(key);
        if (queue === undefined)
            return;
        const index = queue.indexOf(waiter);
        if (index >= 0)
            queue.splice(index, 1);
        if (queue.length === 0)
            this.waiting.delete(key);
    }
    release() {
        this.inUse -= 1;
        this.grant();
    }
    grant() {
        while (this.inUse < this.limit) {
            const next = this.waiting.entries().next();
            if (next.done === true)
                return;
            const [key, queue] = next.value;
            const waiter = queue.shift();
            // The key moves to the back of the turn order.
            this.waiting.delete(key);
            if (queue.length > 0)
                this.waiting.set(key, queue);
            this.inUse += 1;
            waiter.granted = true;
            waiter.wake();
        }
    }
}
