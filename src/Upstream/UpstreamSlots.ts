import { Effect } from "effect"
import { AppConfig } from "../Config.js"
import { FairSlots } from "./FairSlots.js"

/**
 * How many upstream requests may be in flight at once, shared by every run of the process and
 * handed out to runs in turn. Today a fixed UPSTREAM_CONCURRENCY; this is the one place an
 * adaptive limiter plugs in.
 */
export class UpstreamSlots extends Effect.Service<UpstreamSlots>()("faulty-runs/UpstreamSlots", {
  effect: Effect.gen(function* () {
    const { upstreamConcurrency } = yield* AppConfig
    const slots = new FairSlots(upstreamConcurrency)
    return {
      /** Workers a run keeps: enough to fill every slot on its own. */
      workersPerRun: upstreamConcurrency,
      withSlot: <A, E, R>(runId: string, attempt: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
        slots.withSlot(runId, attempt)
    } as const
  })
}) {}
