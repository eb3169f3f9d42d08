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
    const release = Effect.sync(() => this.release())
    return Effect.uninterruptibleMask((restore) =>
      Effect.suspend(() => {
        const used = restore(use).pipe(Effect.ensuring(release))
        return this.tryTake() ? used : Effect.zipRight(restore(this.waitFor(key)), used)
      })
    )
  }

  /** Takes a free slot at once if there is one and nobody waits for one; the caller must `release` it. */
  tryTake(): boolean {
    if (this.inUse >= this.limit || this.waiting.size > 0) return false
    this.inUse += 1
    return true
  }

  /**
   * Waits for this key's turn and takes the slot (the caller must `release` it). Run it
   * interruptibly inside an uninterruptible region: interrupted while waiting, it gives back a
   * slot granted meanwhile.
   */
  waitFor(key: string): Effect.Effect<void> {
    return Effect.async<void>((resume) => {
      const waiter: Waiter = { granted: false, wake: () => resume(Effect.void) }
      this.enqueue(key, waiter)
      return Effect.sync(() => (waiter.granted ? this.release() : this.forget(key, waiter)))
    })
  }

  release(): void {
    this.inUse -= 1
    this.grant()
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
