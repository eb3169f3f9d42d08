import { Config, ConfigError, Either } from "effect"

export type LimitScope = "global" | "per-run"

/** Every unknown of the upstream (SPEC §1), as a setting. */
export interface SimulatorSettings {
  readonly host: string
  readonly port: number
  /** Mean latency of an answer, and the half-width of its uniform jitter. */
  readonly latencyMs: number
  readonly jitterMs: number
  /** Mean latency of a 504, which may take longer than a success. */
  readonly latency504Ms: number
  /** Requests in flight allowed at once (0: no limit), counted globally or per X-Run-Id. */
  readonly concurrencyLimit: number
  readonly limitScope: LimitScope
  readonly p500: number
  readonly p504: number
  readonly valueMin: number
  readonly valueMax: number
  readonly seed: number
  /** Answers kept per run in the ledger (its totals are always exact). */
  readonly ledgerLimit: number
}

export const INT32_MIN = -2_147_483_648
export const INT32_MAX = 2_147_483_647

export const defaultSimulatorSettings: SimulatorSettings = {
  host: "127.0.0.1",
  port: 8081,
  latencyMs: 50,
  jitterMs: 25,
  latency504Ms: 100,
  concurrencyLimit: 10,
  limitScope: "global",
  p500: 0.15,
  p504: 0.05,
  valueMin: INT32_MIN,
  valueMax: INT32_MAX,
  seed: 1,
  ledgerLimit: 1_000_000
}

const bad = (name: string, rule: string, raw: string) =>
  ConfigError.InvalidData([], `${name} ${rule}, got ${JSON.stringify(raw)}`)

const number = (name: string, fallback: number, min: number, max: number, integer: boolean) =>
  Config.string(name).pipe(
    Config.withDefault(String(fallback)),
    Config.mapOrFail((raw) => {
      const value = Number(raw.trim())
      const ok = raw.trim() !== "" && Number.isFinite(value) && (!integer || Number.isInteger(value))
      return ok && value >= min && value <= max
        ? Either.right(value)
        : Either.left(bad(name, `must be ${integer ? "a whole number" : "a number"} from ${min} to ${max}`, raw))
    })
  )

/** Settings from SIM_* variables (the CLI maps its flags onto the same names). */
export const simulatorSettingsConfig: Config.Config<SimulatorSettings> = Config.all({
  host: Config.string("SIM_HOST").pipe(Config.withDefault(defaultSimulatorSettings.host)),
  port: number("SIM_PORT", defaultSimulatorSettings.port, 0, 65_535, true),
  latencyMs: number("SIM_LATENCY_MS", defaultSimulatorSettings.latencyMs, 0, 600_000, false),
  jitterMs: number("SIM_JITTER_MS", defaultSimulatorSettings.jitterMs, 0, 600_000, false),
  latency504Ms: number("SIM_LATENCY_504_MS", defaultSimulatorSettings.latency504Ms, 0, 600_000, false),
  concurrencyLimit: number("SIM_CONCURRENCY_LIMIT", defaultSimulatorSettings.concurrencyLimit, 0, 1_000_000, true),
  limitScope: Config.literal("global", "per-run")("SIM_LIMIT_SCOPE").pipe(
    Config.withDefault(defaultSimulatorSettings.limitScope)
  ),
  p500: number("SIM_P500", defaultSimulatorSettings.p500, 0, 1, false),
  p504: number("SIM_P504", defaultSimulatorSettings.p504, 0, 1, false),
  valueMin: number("SIM_VALUE_MIN", defaultSimulatorSettings.valueMin, INT32_MIN, INT32_MAX, true),
  valueMax: number("SIM_VALUE_MAX", defaultSimulatorSettings.valueMax, INT32_MIN, INT32_MAX, true),
  seed: number("SIM_SEED", defaultSimulatorSettings.seed, 0, 4_294_967_295, true),
  ledgerLimit: number("SIM_LEDGER_LIMIT", defaultSimulatorSettings.ledgerLimit, 0, 100_000_000, true)
}).pipe(
  Config.validate({
    message: "SIM_P500 + SIM_P504 must be at most 1, and SIM_VALUE_MIN at most SIM_VALUE_MAX",
    validation: (s) => s.p500 + s.p504 <= 1 && s.valueMin <= s.valueMax
  })
)
