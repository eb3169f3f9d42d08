import { Config, ConfigError, Either } from "effect";
export const INT32_MIN = -2_147_483_648;
export const INT32_MAX = 2_147_483_647;
export const defaultSimulatorSettings = {
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
    ledgerLimit: 1_000_000
};
const bad = (name, rule, raw) => ConfigError.InvalidData([], `${name} ${rule}, got ${JSON.stringify(raw)}`);
const number = (name, fallback, min, max, integer) => Config.string(name).pipe(Config.withDefault(String(fallback)), Config.mapOrFail((raw) => {
    const value = Number(raw.trim());
    const ok = raw.trim() !== "" && Number.isFinite(value) && (!integer || Number.isInteger(value));
    return ok && value >= min && value <= max
        ? Either.right(value)
        : Either.left(bad(name, `must be ${integer ? "a whole number" : "a number"} from ${min} to ${max}`, raw));
}));
/** Settings from SIM_* variables (the CLI maps its flags onto the same names). */
export const simulatorSettingsConfig = Config.all({
    host: Config.string("SIM_HOST").pipe(Config.withDefault(defaultSimulatorSettings.host)),
    port: number("SIM_PORT", defaultSimulatorSettings.port, 0, 65_535, true),
    latencyMs: number("SIM_LATENCY_MS", defaultSimulatorSettings.latencyMs, 0, 600_000, false),
    jitterMs: number("SIM_JITTER_MS", defaultSimulatorSettings.jitterMs, 0, 600_000, false),
    latencyDistribution: Config.literal("uniform", "lognormal")("SIM_LATENCY_DIST").pipe(Config.withDefault(defaultSimulatorSettings.latencyDistribution)),
    latency504Ms: number("SIM_LATENCY_504_MS", defaultSimulatorSettings.latency504Ms, 0, 600_000, false),
    concurrencyLimit: number("SIM_CONCURRENCY_LIMIT", defaultSimulatorSettings.concurrencyLimit, 0, 1_000_000, true),
    limitScope: Config.literal("global", "per-run")("SIM_LIMIT_SCOPE").pipe(Config.withDefault(defaultSimulatorSettings.limitScope)),
    limitBy: Config.literal("requests", "connections")("SIM_LIMIT_BY").pipe(Config.withDefault(defaultSimulatorSettings.limitBy)),
    limitSchedule: Config.string("SIM_LIMIT_SCHEDULE").pipe(Config.withDefault(""), Config.mapOrFail((raw) => {
        if (raw.trim() === "")
            return Either.right(null);
        const steps = raw.split(",").map((step) => step.trim().split(":").map(Number));
        const valid = steps.every((pair, i) => pair.length === 2 &&
            pair.every((n) => Number.isInteger(n) && n >= 0) &&
            (i === 0 ? pair[0] === 0 : pair[0] > steps[i - 1][0]));
        return valid
            ? Either.right(steps.map(([atMs, limit]) => ({ atMs: atMs, limit: limit })))
            : Either.left(bad("SIM_LIMIT_SCHEDULE", 'must be "0:C0,t1:C1,..." with rising times in ms from 0', raw));
    })),
    rejectMode: Config.literal("immediate", "held", "counted")("SIM_429_MODE").pipe(Config.withDefault(defaultSimulatorSettings.rejectMode)),
    p500: number("SIM_P500", defaultSimulatorSettings.p500, 0, 1, false),
    p504: number("SIM_P504", defaultSimulatorSettings.p504, 0, 1, false),
    valueMin: number("SIM_VALUE_MIN", defaultSimulatorSettings.valueMin, INT32_MIN, INT32_MAX, true),
    valueMax: number("SIM_VALUE_MAX", defaultSimulatorSettings.valueMax, INT32_MIN, INT32_MAX, true),
    seed: number("SIM_SEED", defaultSimulatorSettings.seed, 0, 4_294_967_295, true),
    ledgerLimit: number("SIM_LEDGER_LIMIT", defaultSimulatorSettings.ledgerLimit, 0, 100_000_000, true)
}).pipe(Config.validate({
    message: "SIM_P500 + SIM_P504 must be at most 1, and SIM_VALUE_MIN at most SIM_VALUE_MAX",
    validation: (s) => s.p500 + s.p504 <= 1 && s.valueMin <= s.valueMax
}));
