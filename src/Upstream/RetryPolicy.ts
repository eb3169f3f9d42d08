import { Duration, Schedule } from "effect"
import type { AttemptFailed } from "./AttemptFailed.js"

const pauseAfter = (failure: AttemptFailed): Duration.Duration => {
  switch (failure.outcome) {
    // Nothing listening or the network is down: retrying in a tight loop would only burn CPU.
    case "transport":
      return Duration.millis(100)
    // 500 and 504 are random faults, not overload: waiting would only leave an upstream slot idle.
    // After a 429 the limit is what is in flight, so the retry waits for a slot that an answer
    // frees (an expensive 429 also pauses in its slot, UpstreamLimiter).
    default:
      return Duration.zero
  }
}

/** Retries every failed attempt for as long as the run lasts; the run's deadline ends it. */
export const retryPolicy: Schedule.Schedule<AttemptFailed, AttemptFailed> = Schedule.identity<AttemptFailed>().pipe(
  Schedule.addDelay(pauseAfter)
)
