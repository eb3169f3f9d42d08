import { Duration, Schedule } from "effect";
const pauseAfter = (failure) => {
    switch (failure.outcome) {
        // Nothing listening or the network is down: retrying in a tight loop would only burn CPU.
        case "transport":
            return Duration.millis(100);
        // 500 and 504 are random faults, not overload: waiting would only leave an upstream slot idle.
        // A 429 has already paused in its slot (UpstreamLimiter), which is where waiting helps.
        default:
            return Duration.zero;
    }
};
/** Retries every failed attempt for as long as the run lasts; the run's deadline ends it. */
export const retryPolicy = Schedule.identity().pipe(Schedule.addDelay(pauseAfter));
