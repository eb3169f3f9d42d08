import type { AttemptFailed } from "./AttemptFailed.js"

/**
 * How long a run's worker waits before it retries after a failed attempt (ms); it retries for as
 * long as the run lasts, and the run's deadline ends it. A plain function rather than a Schedule
 * given to Effect.retry: the retry's driver and the iteration metadata it provides to every try
 * (a copy of the fiber's whole context) cost about 12 KB of allocations per attempt, measured,
 * more than everything else the engine does for an attempt.
 */
export const pauseBeforeRetry = (failure: AttemptFailed): number => {
  switch (failure.outcome) {
    // Nothing listening or the network is down: retrying in a tight loop would only burn CPU.
    case "transport":
      return 100
    // 500 and 504 are random faults, not overload: waiting would only leave an upstream slot idle.
    // After a 429 the limit is what is in flight, so the retry waits for a slot that an answer
    // frees (an expensive 429 also pauses in its slot, UpstreamLimiter).
    default:
      return 0
  }
}
