/** A named upstream configuration and how the bench drives it. */
export interface Scenario {
  readonly name: string
  readonly seconds: number
  /** SIM_* variables for the simulator process. */
  readonly simulator: Record<string, string>
  /** The upstream's C as a function of ms since the case's first request (for the oracle and the ideal). */
  readonly limitAt: (elapsedMs: number) => number
  readonly p: number
  readonly strategies: ReadonlyArray<StrategyName>
  /** Runs the service executes at once in this scenario (they share the upstream). */
  readonly runs?: number
  /** Measure from a cold limiter (fresh process and database, no warm-up run). */
  readonly cold?: boolean
  /**
   * A fresh simulator for every case (and, with `cold`, a fresh service): where C counts open
   * connections, the idle keep-alive connections of an earlier case would still hold the slots.
   */
  readonly isolated?: boolean
  /**
   * A limit learned before that is now wrong: before each of its cases the service runs a warm-up
   * run while the upstream's C is this, then C goes back to the scenario's own.
   */
  readonly learnedAt?: number
  /** A busy process spins on the service's core for each whole case (the reference clients share that core). */
  readonly busy?: boolean
  readonly targets: ReadonlyArray<TargetName>
}

/**
 * - service: this project, as a process, through its HTTP API.
 * - oracle: knows C(t) and keeps exactly C in flight.
 * - naive: the two-rule reference limiter (bench/clients.ts naiveWindow), learning C from 429s.
 * - one-in-flight, fixed-3: fixed windows of 1 and 3 (floors, not limiters).
 * - greedy-2C: keeps 2·C in flight, whatever the 429s.
 */
export type StrategyName = "service" | "oracle" | "naive" | "one-in-flight" | "fixed-3" | "greedy-2C"
/**
 * steady: ≥ 0.98 of the oracle with ≤ 0.2 429s per success; offHome: ≥ 0.97 of the oracle;
 * contended: ≥ 0.9 of the oracle; every one of these also ≥ the naive reference of the same run.
 */
export type TargetName = "steady" | "offHome" | "contended" | "changing" | "shared" | "tiny" | "cold"

const REFERENCES: ReadonlyArray<StrategyName> = ["service", "oracle", "naive"]
const ALL: ReadonlyArray<StrategyName> = [...REFERENCES, "one-in-flight", "fixed-3", "greedy-2C"]

const steady = (latencyMs: number, limit: number, p: number, extra: Partial<Scenario> = {}): Scenario => ({
  name: `steady_L${latencyMs}_C${limit}_p${Math.round(p * 100)}`,
  seconds: 5,
  simulator: {
    SIM_LATENCY_MS: String(latencyMs),
    SIM_JITTER_MS: String(Math.round(latencyMs * 0.2)),
    SIM_LATENCY_504_MS: String(latencyMs),
    SIM_CONCURRENCY_LIMIT: String(limit),
    SIM_P500: String(((1 - p) * 0.75).toFixed(4)),
    SIM_P504: String(((1 - p) * 0.25).toFixed(4))
  },
  limitAt: () => limit,
  p,
  strategies: REFERENCES,
  targets: ["steady"],
  ...extra
})

const withSimulator = (base: Scenario, name: string, simulator: Record<string, string>, extra: Partial<Scenario> = {}): Scenario => ({
  ...base,
  name,
  simulator: { ...base.simulator, ...simulator },
  ...extra
})

const schedule = [
  { atMs: 0, limit: 50 },
  { atMs: 2_000, limit: 20 },
  { atMs: 3_500, limit: 80 }
]

const base = steady(50, 50, 0.7)
const stepped = (atMs: number, steps: ReadonlyArray<{ readonly atMs: number; readonly limit: number }>) =>
  steps.filter((step) => step.atMs <= atMs).at(-1)!.limit
/** The conditions of the side-by-side test: three 4 s runs at once, C = 60. */
const threeRunsC60 = steady(50, 60, 0.7, { seconds: 4, runs: 3 })

export const scenarios: ReadonlyArray<Scenario> = [
  steady(5, 10, 0.9),
  steady(20, 50, 0.7),
  // The floors and the greedy client once, at home (trimmed elsewhere to keep the whole bench under ~25 min).
  { ...base, strategies: ALL },
  steady(100, 200, 0.5),
  steady(200, 100, 0.8),
  withSimulator(base, "cold_start_L50_C50_p70", {}, { cold: true, targets: ["cold", "offHome"] }),
  // Off the home ground (issue 10): (a) a cold process with three runs at once ...
  withSimulator(threeRunsC60, "cold_shared3_C60_L50_p70", {}, { cold: true, targets: ["offHome"] }),
  // ... (b) a learned limit that is wrong ...
  withSimulator(base, "learned100_now60_L50_p70", { SIM_CONCURRENCY_LIMIT: "60" }, {
    limitAt: () => 60,
    learnedAt: 100,
    targets: ["offHome"]
  }),
  withSimulator(base, "learned30_now60_L50_p70", { SIM_CONCURRENCY_LIMIT: "60" }, {
    limitAt: () => 60,
    learnedAt: 30,
    targets: ["offHome"]
  }),
  // ... (c) C steps within one run, on a cold process ...
  withSimulator(
    base,
    "changing_C50-20-80_L50_p70",
    { SIM_LIMIT_SCHEDULE: schedule.map((step) => `${step.atMs}:${step.limit}`).join(",") },
    { cold: true, limitAt: (elapsed) => stepped(elapsed, schedule), targets: ["changing", "offHome"] }
  ),
  // ... (d) a busy process on the service's core, from a fresh process's first run ...
  withSimulator(threeRunsC60, "busy_cold_shared3_C60_L50_p70", {}, { cold: true, busy: true, targets: ["contended"] }),
  // ... (e) a long-tailed latency (lognormal, σ = 1: sd/mean = √(e − 1) ≈ 1.31) with 504s slower than successes ...
  withSimulator(
    base,
    "lognormal_s1_slow504_L50_C50_p70",
    { SIM_LATENCY_DIST: "lognormal", SIM_JITTER_MS: "66", SIM_LATENCY_504_MS: "150" },
    { targets: ["offHome"] }
  ),
  // ... (f) C counted by open connections (every case on a fresh simulator and process).
  withSimulator(base, "connections_L50_C50_p70", { SIM_LIMIT_BY: "connections" }, { cold: true, isolated: true, targets: ["offHome"] }),
  withSimulator(base, "held429_L50_C50_p70", { SIM_429_MODE: "held" }, { strategies: [...REFERENCES, "greedy-2C"] }),
  withSimulator(base, "counted429_L50_C50_p70", { SIM_429_MODE: "counted" }, { strategies: [...REFERENCES, "greedy-2C"] }),
  withSimulator(
    steady(1, 16, 0.9),
    "tiny_L1_C16_p90",
    { SIM_JITTER_MS: "1", SIM_LATENCY_504_MS: "1" },
    { targets: ["tiny"] }
  ),
  withSimulator(steady(1000, 50, 0.7), "long_L1000_C50_p70", {}, { seconds: 8, targets: [] }),
  withSimulator(base, "shared3_L50_C50_p70", {}, { runs: 3, targets: ["shared"] }),
  withSimulator(steady(350, 30, 0.7), "window_3s_L350_C30_p70", {}, { seconds: 3, targets: [] })
]
