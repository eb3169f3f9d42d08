import { Config, ConfigError, Context, Effect, Either, Layer, Option } from "effect"

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

export const invalid = (name: string, rule: string, raw: string) =>
  ConfigError.InvalidData([], `${name} ${rule}, got ${JSON.stringify(raw)}`)

export const integerSetting = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  Config.string(name).pipe(
    Config.withDefault(String(fallback)),
    Config.mapOrFail((raw) => {
      const text = raw.trim()
      const value = Number(text)
      return /^-?\d+$/.test(text) && value >= min && value <= max
        ? Either.right(value)
        : Either.left(invalid(name, `must be a whole number from ${min} to ${max}`, raw))
    })
  )

export const urlSetting = (name: string) =>
  Config.option(Config.string(name)).pipe(
    Config.mapOrFail((raw) => {
      if (Option.isNone(raw) || raw.value.trim() === "") return Either.right(Option.none<URL>())
      try {
        const url = new URL(raw.value.trim())
        return url.protocol === "http:" || url.protocol === "https:"
          ? Either.right(Option.some(url))
          : Either.left(invalid(name, "must be an http:// or https:// URL", raw.value))
      } catch {
        return Either.left(invalid(name, "must be an absolute http:// or https:// URL", raw.value))
      }
    })
  )

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

const hostSetting = Config.string("HOST").pipe(
  Config.withDefault("0.0.0.0"),
  Config.mapOrFail((raw) =>
    raw.trim() === "" || /\s/.test(raw.trim())
      ? Either.left(invalid("HOST", "must be a host name or IP address", raw))
      : Either.right(raw.trim())
  )
)

export const appConfig: Config.Config<AppConfigShape> = Config.all({
  port: integerSetting("PORT", 8080, 0, 65_535),
  host: hostSetting,
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

/** The first problem of a configuration error, as one line for a human. */
export const describeConfigError = (error: ConfigError.ConfigError): string => {
  const first = (e: ConfigError.ConfigError): string => {
    switch (e._op) {
      case "And":
      case "Or":
        return first(e.left)
      case "MissingData":
      case "InvalidData":
      case "SourceUnavailable":
      case "Unsupported":
        return e.path.length > 0 ? `${e.path.join(".")}: ${e.message}` : e.message
    }
  }
  return first(error)
}

export const loadAppConfig = Effect.mapError(appConfig, describeConfigError)
