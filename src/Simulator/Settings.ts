import { Config, Either } from "effect"
import { choiceSetting, hostSetting, invalid, numberSetting } from "../Settings.js"

export type LimitScope = "global" | "per-run"
export type LatencyDistribution = "uniform" | "lognormal"
/** How a 429 costs: answered at once; after a latency (not holding a slot); or holding a slot meanwhile. */
export type RejectMode = "immediate" | "held" | "counted"
export type LimitBy = "requests" | "connections"

/** C over time: from `atMs` after the first request, the limit is `limit`. */
export interface LimitStep {
  readonly atMs: number
  readonly limit: number
}

/** Every unknown of the upstream (SPEC §1), as a setting. */
export interface SimulatorSettings {
  readonly host: string
  readonly port: number
  /** Mean latency of an answer, and its jitter: the half-width (uniform) or the standard deviation (lognormal). */
  readonly latencyMs: number
  readonly jitterMs: number
  readonly latencyDistribution: LatencyDistribution
  /** Mean latency of a 504, which may take longer than a success. */
  readonly latency504Ms: number
  /** Requests in flight allowed at once (0: no limit), counted globally or per X-Run-Id. */
  readonly concurrencyLimit: number
  readonly limitScope: LimitScope
  /** What the limit counts: requests in flight, or open connections (then always global). */
  readonly limitBy: LimitBy
  /** When set, C changes over time and `concurrencyLimit` is ignored. */
  readonly limitSchedule: ReadonlyArray<LimitStep> | null
  readonly rejectMode: RejectMode
  readonly p500: number
  readonly p504: number
  readonly valueMin: number
  readonly valueMax: number
  readonly seed: number
  /** Answers kept in the ledger over all runs, the oldest runs' dropped first (its totals are always exact). */
  readonly ledgerLimit: number
}

export const INT32_MIN = -2_147_483_648
export const INT32_MAX = 2_147_483_647

export const defaultSimulatorSettings: SimulatorSettings = {
  host: "127.0.0.1",
  port: 8081,
  latencyMs: 50,
  jitterMs: 25,
  latencyDistribution: "uniform",
  latency504Ms: 100,
  concurrencyLimit: 10,
  limitScope: "global",
  limitBy: "requests",
  limitSchedule: null,
  rejectMode: "immediate",
  p500: 0.15,
  p504: 0.05,
  valueMin: INT32_MIN,
  valueMax: INT32_MAX,
  seed: 1,
  ledgerLimit: 100_000
}

const number = (name: string, fallback: number, min: number, max: number, whole: boolean) =>
  numberSetting(name, fallback, { min, max, whole })

/** Settings from SIM_* variables (the CLI maps its flags onto the same names). */
export const simulatorSettingsConfig: Config.Config<SimulatorSettings> = Config.all({
  host: hostSetting("SIM_HOST", defaultSimulatorSettings.host),
  port: number("SIM_PORT", defaultSimulatorSettings.port, 0, 65_535, true),
  latencyMs: number("SIM_LATENCY_MS", defaultSimulatorSettings.latencyMs, 0, 600_000, false),
  jitterMs: number("SIM_JITTER_MS", defaultSimulatorSettings.jitterMs, 0, 600_000, false),
  latencyDistribution: choiceSetting("SIM_LATENCY_DIST", ["uniform", "lognormal"], defaultSimulatorSettings.latencyDistribution),
  latency504Ms: number("SIM_LATENCY_504_MS", defaultSimulatorSettings.latency504Ms, 0, 600_000, false),
  concurrencyLimit: number("SIM_CONCURRENCY_LIMIT", defaultSimulatorSettings.concurrencyLimit, 0, 1_000_000, true),
  limitScope: choiceSetting("SIM_LIMIT_SCOPE", ["global", "per-run"], defaultSimulatorSettings.limitScope),
  limitBy: choiceSetting("SIM_LIMIT_BY", ["requests", "connections"], defaultSimulatorSettings.limitBy),
  limitSchedule: Config.string("SIM_LIMIT_SCHEDULE").pipe(
    Config.withDefault(""),
    Config.mapOrFail((raw) => {
      if (raw.trim() === "") return Either.right(null)
      const texts = raw.split(",").map((step) => step.trim().split(":").map((part) => part.trim()))
      const steps = texts.map((pair) => pair.map(Number))
      const valid = texts.every(
        (pair, i) =>
          pair.length === 2 &&
          pair.every((part) => /^\d+$/.test(part)) &&
          (i === 0 ? steps[0]![0] === 0 : steps[i]![0]! > steps[i - 1]![0]!)
      )
      return valid
        ? Either.right(steps.map(([atMs, limit]) => ({ atMs: atMs!, limit: limit! })))
        : Either.left(invalid("SIM_LIMIT_SCHEDULE", 'must be "0:C0,t1:C1,..." with rising times in ms from 0', raw))
    })
  ),
  rejectMode: choiceSetting("SIM_429_MODE", ["immediate", "held", "counted"], defaultSimulatorSettings.rejectMode),
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
