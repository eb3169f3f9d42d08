import type { Fiber } from "effect"
import { Effect, Scheduler } from "effect"

/** Microtask rounds in a row before the drain waits for a timer, so that I/O callbacks get their turn (Effect's default). */
const MICROTASK_ROUNDS_BEFORE_TIMER = 2_048

/**
 * The service's scheduler: every fiber's tasks drain from one shared runner, as Effect did before
 * 3.20. Effect's default scheduler keeps a runner per fiber in a WeakMap keyed by the fiber (so that
 * each fiber drains in its own AsyncLocalStorage context, which nothing in this service reads). V8's
 * scavenger keeps a WeakMap's entries alive until the next full GC, so every fiber that ever yielded
 * (each request, each upstream attempt) was copied into the old generation with everything it
 * referenced: about a tenth of what a request allocates, which grew the heap by a few MB a second
 * under load and made the RSS sawtooth and the long major GCs of the soak (docs/SOAK.md).
 */
export class SharedScheduler implements Scheduler.Scheduler {
  private readonly runner = new Scheduler.SchedulerRunner((depth, drain) => {
    if (depth >= MICROTASK_ROUNDS_BEFORE_TIMER) setTimeout(() => drain(0), 0)
    else Promise.resolve(undefined).then(() => drain(depth + 1))
  })

  shouldYield(fiber: Fiber.RuntimeFiber<unknown, unknown>): number | false {
    return Scheduler.defaultScheduler.shouldYield(fiber)
  }

  scheduleTask(task: Scheduler.Task, priority: number): void {
    this.runner.scheduleTask(task, priority)
  }
}

/** Runs `effect`, and every fiber it forks, on one SharedScheduler. */
export const withSharedScheduler = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.withScheduler(effect, new SharedScheduler())
