import { Context, type Exit } from "effect"
import type { AttemptFailed } from "../Upstream/AttemptFailed.js"

/**
 * What the run engine reports as it works, for metrics and health. The upstream hooks are called
 * for every attempt (thousands a second): an implementation must do no more than bump numbers.
 */
export interface EngineObserverShape {
  readonly runCreated: () => void
  readonly runRefused: () => void
  readonly runStarted: () => void
  readonly runFinished: () => void
  /** One upstream attempt ended: answered, failed, or abandoned (interrupted at a window's end). */
  readonly attemptEnded: (exit: Exit.Exit<unknown, AttemptFailed>, roundTripMs: number, endedAtMs: number) => void
  /** A success arrived inside its run's window and was counted. */
  readonly successCounted: () => void
  /** A success arrived after its run's window had closed and was dropped. */
  readonly lateResponseDropped: () => void
}

const ignore = () => {}

export const silentObserver: EngineObserverShape = {
  runCreated: ignore,
  runRefused: ignore,
  runStarted: ignore,
  runFinished: ignore,
  attemptEnded: ignore,
  successCounted: ignore,
  lateResponseDropped: ignore
}

/**
 * A reference rather than a required service: engines built without metrics (unit tests, the
 * limiter simulation, benchmarks) get the silent observer and need no extra wiring.
 */
export class EngineObserver extends Context.Reference<EngineObserver>()("faulty-runs/EngineObserver", {
  defaultValue: (): EngineObserverShape => silentObserver
}) {}
