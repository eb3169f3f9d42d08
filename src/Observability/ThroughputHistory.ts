import { Clock, Duration, Effect } from "effect"
import { ThroughputSample } from "../Domain/System.js"
import { UpstreamLimiter } from "../Upstream/UpstreamLimiter.js"
import { Metrics } from "./Metrics.js"

export const SAMPLE_INTERVAL = Duration.seconds(1)
const KEPT_SAMPLES = 600

/** Successes per second, the concurrency limit and requests in flight, once a second over the last ten minutes. */
export class ThroughputHistory extends Effect.Service<ThroughputHistory>()("faulty-runs/ThroughputHistory", {
  scoped: Effect.gen(function* () {
    const metrics = yield* Metrics
    const limiter = yield* UpstreamLimiter
    const samples: Array<ThroughputSample> = []
    let previous = { at: yield* Clock.currentTimeMillis, successes: metrics.successesCounted() }

    const sample = Effect.map(Clock.currentTimeMillis, (at) => {
      const successes = metrics.successesCounted()
      const seconds = (at - previous.at) / 1000
      if (seconds <= 0) return
      const upstream = limiter.snapshot()
      samples.push(
        new ThroughputSample({
          at,
          successes_per_second: (successes - previous.successes) / seconds,
          concurrency_limit: upstream.limit,
          in_flight: upstream.inFlight
        })
      )
      if (samples.length > KEPT_SAMPLES) samples.splice(0, samples.length - KEPT_SAMPLES)
      previous = { at, successes }
    })
    yield* Effect.forkScoped(Effect.forever(Effect.zipRight(Effect.sleep(SAMPLE_INTERVAL), sample)))

    return {
      /** The kept samples taken after `since` (epoch ms), oldest first. */
      after: (since: number | undefined): ReadonlyArray<ThroughputSample> =>
        since === undefined ? samples.slice() : samples.filter((entry) => entry.at > since)
    } as const
  })
}) {}
