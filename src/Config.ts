import { Config, type ConfigError, Context, Effect, Either, Layer, type Option } from "effect"
import { describeConfigError, hostSetting, integerSetting, invalid, urlSetting } from "./Settings.js"

export { describeConfigError }

export interface AppConfigShape {
  readonly port: number
  readonly host: string
  /** Unset: the bundled simulator is started and used. */
  readonly faultyServerUrl: Option.Option<URL>
  readonly maxConcurrentRuns: number
  readonly maxPendingRuns: number
  readonly databaseUrl: string
  /** "auto": find the upstream's limit adaptively; a number: hold exactly that many in flight. */
  readonly upstreamConcurrency: number | "auto"
  readonly upstreamInitialConcurrency: number
  readonly upstreamMaxConcurrency: number
  readonly upstreamTimeoutMs: number
  readonly checkpointIntervalMs: number
  readonly shutdownGraceMs: number
}

export class AppConfig extends Context.Tag("faulty-runs/AppConfig")<AppConfig, AppConfigShape>() {
  static layer = (config: AppConfigShape) => Layer.succeed(AppConfig, config)
}

const databaseSetting = Config.string("DATABASE_URL").pipe(
  Config.withDefault("./data/runs.sqlite"),
  Config.mapOrFail((raw) => {
    const value = raw.trim()
    if (value === "") return Either.left(invalid("DATABASE_URL", "must be a SQLite file path, :memory: or a postgres:// URL", raw))
    if (/^postgres(ql)?:/i.test(value)) {
      try {
        const url = new URL(value)
        if (url.hostname !== "" && /^postgres(ql)?:$/i.test(url.protocol)) return Either.right(value)
      } catch {
        // reported below
      }
      return Either.left(invalid("DATABASE_URL", "must be a postgres://user@host:port/database URL", raw))
    }
    return Either.right(value)
  })
)

export const appConfig: Config.Config<AppConfigShape> = Config.all({
  port: integerSetting("PORT", 8080, 0, 65_535),
  host: hostSetting("HOST", "0.0.0.0"),
  faultyServerUrl: urlSetting("FAULTY_SERVER_URL"),
  maxConcurrentRuns: integerSetting("MAX_CONCURRENT_RUNS", 4, 1, 10_000),
  maxPendingRuns: integerSetting("MAX_PENDING_RUNS", 16, 0, 1_000_000),
  databaseUrl: databaseSetting,
  upstreamConcurrency: Config.string("UPSTREAM_CONCURRENCY").pipe(
    Config.withDefault("auto"),
    Config.mapOrFail((raw): Either.Either<number | "auto", ConfigError.ConfigError> => {
      const text = raw.trim().toLowerCase()
      if (text === "auto") return Either.right("auto" as const)
      const value = Number(text)
      return /^\d+$/.test(text) && value >= 1 && value <= 10_000
        ? Either.right(value)
        : Either.left(invalid("UPSTREAM_CONCURRENCY", 'must be "auto" or a whole number from 1 to 10000', raw))
    })
  ),
  upstreamInitialConcurrency: integerSetting("UPSTREAM_INITIAL_CONCURRENCY", 10, 1, 10_000),
  upstreamMaxConcurrency: integerSetting("UPSTREAM_MAX_CONCURRENCY", 512, 1, 10_000),
  upstreamTimeoutMs: integerSetting("UPSTREAM_TIMEOUT_MS", 10_000, 1, 3_600_000),
  checkpointIntervalMs: integerSetting("CHECKPOINT_INTERVAL_MS", 500, 10, 60_000),
  shutdownGraceMs: integerSetting("SHUTDOWN_GRACE_MS", 5_000, 0, 600_000)
})

export const loadAppConfig = Effect.mapError(appConfig, describeConfigError)
