import { Config, type ConfigError, Effect, Either, Option } from "effect"
import { describeConfigError, integerSetting, invalid, urlSetting } from "../Settings.js"

/** OTLP/HTTP trace export, configured by the standard OpenTelemetry variables. */
export interface TracingConfigShape {
  /** Where spans are POSTed; none: tracing is off and no exporter is loaded. */
  readonly tracesUrl: Option.Option<URL>
  readonly serviceName: string
  readonly protocol: "http/json" | "http/protobuf"
  readonly headers: Readonly<Record<string, string>>
  readonly exportIntervalMs: number
}

/** OTEL_EXPORTER_OTLP_ENDPOINT is a base URL: traces go to its /v1/traces (per the OTLP exporter spec). */
const tracesUnder = (base: URL) => new URL(`${base.pathname.replace(/\/+$/, "")}/v1/traces`, base)

// "key=value,key2=value2", values percent-encoded (the W3C baggage format the spec prescribes).
const headersSetting = Config.string("OTEL_EXPORTER_OTLP_HEADERS").pipe(
  Config.withDefault(""),
  Config.mapOrFail((raw) => {
    const headers: Record<string, string> = {}
    for (const pair of raw.split(",").filter((part) => part.trim() !== "")) {
      const at = pair.indexOf("=")
      const name = pair.slice(0, at).trim()
      if (at <= 0 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
        return Either.left(invalid("OTEL_EXPORTER_OTLP_HEADERS", 'must be "name=value,name2=value2"', raw))
      }
      try {
        headers[name.toLowerCase()] = decodeURIComponent(pair.slice(at + 1).trim())
      } catch {
        return Either.left(invalid("OTEL_EXPORTER_OTLP_HEADERS", "must percent-encode its values", raw))
      }
    }
    return Either.right(headers)
  })
)

const protocolSetting = Config.string("OTEL_EXPORTER_OTLP_PROTOCOL").pipe(
  Config.withDefault("http/json"),
  Config.mapOrFail((raw): Either.Either<TracingConfigShape["protocol"], ConfigError.ConfigError> => {
    const protocol = raw.trim()
    return protocol === "http/json" || protocol === "http/protobuf"
      ? Either.right(protocol)
      : Either.left(invalid("OTEL_EXPORTER_OTLP_PROTOCOL", 'must be "http/json" or "http/protobuf" (gRPC is not supported)', raw))
  })
)

export const tracingConfig: Config.Config<TracingConfigShape> = Config.all({
  endpoint: urlSetting("OTEL_EXPORTER_OTLP_ENDPOINT"),
  tracesEndpoint: urlSetting("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
  serviceName: Config.string("OTEL_SERVICE_NAME").pipe(
    Config.withDefault("faulty-runs"),
    Config.map((name) => name.trim() || "faulty-runs")
  ),
  protocol: protocolSetting,
  headers: headersSetting,
  exportIntervalMs: integerSetting("OTEL_BSP_SCHEDULE_DELAY", 5_000, 1, 3_600_000)
}).pipe(
  Config.map(({ endpoint, tracesEndpoint, ...rest }) => ({
    ...rest,
    // The signal-specific variable is used as it is; it wins over the base one.
    tracesUrl: Option.orElse(tracesEndpoint, () => Option.map(endpoint, tracesUnder))
  }))
)

export const loadTracingConfig = Effect.mapError(tracingConfig, describeConfigError)
