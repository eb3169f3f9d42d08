import { Config, type ConfigError, Context, Either, Layer, type Option } from "effect"
import { integerSetting, invalid, urlSetting } from "../Settings.js"

export interface UpstreamSettings {
  /** Unset: the bundled simulator is started and used. */
  readonly faultyServerUrl: Option.Option<URL>
  /** "auto": find the upstream's limit adaptively; a number: hold exactly that many in flight. */
  readonly upstreamConcurrency: number | "auto"
  readonly upstreamInitialConcurrency: number
  readonly upstreamMaxConcurrency: number
  readonly upstreamTimeoutMs: number
  /** How long the hot path runs against a loopback stand-in at start-up (0: not at all); see Runs/WarmUp. */
  readonly warmUpMs: number
}

/** The upstream and how hard to press it, with the most requests ever in flight worked out once. */
export class UpstreamConfig extends Context.Tag("faulty-runs/UpstreamConfig")<
  UpstreamConfig,
  UpstreamSettings & {
    /** The fixed concurrency, or the adaptive limit's ceiling. */
    readonly maxInFlight: number
  }
>() {
  static layer = (settings: UpstreamSettings) =>
    Layer.succeed(UpstreamConfig, {
      faultyServerUrl: settings.faultyServerUrl,
      upstreamConcurrency: settings.upstreamConcurrency,
      upstreamInitialConcurrency: settings.upstreamInitialConcurrency,
      upstreamMaxConcurrency: settings.upstreamMaxConcurrency,
      upstreamTimeoutMs: settings.upstreamTimeoutMs,
      warmUpMs: settings.warmUpMs,
      maxInFlight: settings.upstreamConcurrency === "auto" ? settings.upstreamMaxConcurrency : settings.upstreamConcurrency
    })
}

const concurrencySetting = Config.string("UPSTREAM_CONCURRENCY").pipe(
  Config.withDefault("auto"),
  Config.mapOrFail((raw): Either.Either<number | "auto", ConfigError.ConfigError> => {
    const text = raw.trim().toLowerCase()
    if (text === "auto") return Either.right("auto" as const)
    const value = Number(text)
    return /^\d+$/.test(text) && value >= 1 && value <= 10_000
      ? Either.right(value)
      : Either.left(invalid("UPSTREAM_CONCURRENCY", 'must be "auto" or a whole number from 1 to 10000', raw))
  })
)

export const upstreamConfig: Config.Config<UpstreamSettings> = Config.all({
  faultyServerUrl: urlSetting("FAULTY_SERVER_URL"),
  upstreamConcurrency: concurrencySetting,
  upstreamInitialConcurrency: integerSetting("UPSTREAM_INITIAL_CONCURRENCY", 10, 1, 10_000),
  upstreamMaxConcurrency: integerSetting("UPSTREAM_MAX_CONCURRENCY", 512, 1, 10_000),
  upstreamTimeoutMs: integerSetting("UPSTREAM_TIMEOUT_MS", 10_000, 1, 3_600_000),
  warmUpMs: integerSetting("WARM_UP_MS", 150, 0, 10_000)
})
