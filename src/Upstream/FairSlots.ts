import { Effect } from "effect"

interface Waiter {
  granted: boolean
  readonly wake: () => void
}

/**
 * A counting semaphore that hands free slots to waiting keys (runs) in round-robin order.
 * A plain semaphore lets a releasing fiber take its slot straight back before a woken waiter
 * runs, so one run could starve the others; here a released slot goes to the next run in turn.
 */
export class FairSlots {
  private inUse = 0
  /** Keys with waiters, in turn order (a Map iterates in insertion order). */
  private readonly waiting = new Map<string, Array<Waiter>>()

  constructor(private limit: number) {}

  get capacity(): number {
    return this.limit
  }

  get busy(): number {
    return this.inUse
  }

  withSlot<A, E, R>(key: string, use: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    return Effect.uninterruptibleMask((restore) =>
      Effect.suspend(() => {
        if (this.inUse < this.limit && this.waiting.size === 0) {
          this.inUse += 1
          return restore(use).pipe(Effect.ensuring(Effect.sync(() => this.release())))
        }
        const waiter: Waiter = { granted: false, wake: () => {} }
        return restore(
          Effect.async<void>((resume) => {
            ;(waiter as { wake: () => void }).wake = () => resume(Effect.void)
            this.enqueue(key, waiter)
          })
        ).pipe(
          // Interrupted while waiting: give the slot back if it was granted meanwhile.
          Effect.onInterrupt(() => Effect.sync(() => (waiter.granted ? this.release() : this.forget(key, waiter)))),
          Effect.zipRight(restore(use).pipe(Effect.ensuring(Effect.sync(() => this.release()))))
        )
      })
    )
  }

  /** Whether keys other than this one are waiting for a slot. */
  othersWaiting(key: string): boolean {
    return this.waiting.size > (this.waiting.has(key) ? 1 : 0)
  }

  resize(limit: number): void {
    const next = Math.max(1, Math.floor(limit))
    if (next === this.limit) return
    this.limit = next
    this.grant()
  }

  private enqueue(key: string, waiter: Waiter) {
    const queue = this.waiting.get(key)
    if (queue === undefined) this.waiting.set(key, [waiter])
    else queue.push(waiter)
  }

  private forget(key: string, waiter: Waiter) {
    const queue = this.waiting.get(key)
    if (queue === undefined) return
    const index = queue.indexOf(waiter)
    if (index >= 0) queue.splice(index, 1)
    if (queue.length === 0) this.waiting.delete(key)
  }

  private release() {
    this.inUse -= 1
    this.grant()
  }

  private grant() {
    while (this.inUse < this.limit) {
      const next = this.waiting.entries().next()
      if (next.done === true) return
      const [key, queue] = next.value
      const waiter = queue.shift()!
      // The key moves to the back of the turn order.
      this.waiting.delete(key)
      if (queue.length > 0) this.waiting.set(key, queue)
      this.inUse += 1
      waiter.granted = true
      waiter.wake()
    }
  }
}
