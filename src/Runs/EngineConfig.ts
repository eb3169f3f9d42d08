import { Config, Context, Layer } from "effect"
import { integerSetting } from "../Settings.js"

export interface EngineSettings {
  readonly maxConcurrentRuns: number
  readonly maxPendingRuns: number
  readonly checkpointIntervalMs: number
}

/** The run engine's limits, with the number of unfinished runs admission allows worked out once. */
export class EngineConfig extends Context.Tag("faulty-runs/EngineConfig")<
  EngineConfig,
  EngineSettings & {
    /** Executing plus queued runs at which a new one is refused (429). */
    readonly maxUnfinishedRuns: number
  }
>() {
  static layer = (settings: EngineSettings) =>
    Layer.succeed(EngineConfig, {
      maxConcurrentRuns: settings.maxConcurrentRuns,
      maxPendingRuns: settings.maxPendingRuns,
      checkpointIntervalMs: settings.checkpointIntervalMs,
      maxUnfinishedRuns: settings.maxConcurrentRuns + settings.maxPendingRuns
    })
}

export const engineConfig: Config.Config<EngineSettings> = Config.all({
  maxConcurrentRuns: integerSetting("MAX_CONCURRENT_RUNS", 4, 1, 10_000),
  maxPendingRuns: integerSetting("MAX_PENDING_RUNS", 16, 0, 1_000_000),
  checkpointIntervalMs: integerSetting("CHECKPOINT_INTERVAL_MS", 500, 10, 60_000)
})
