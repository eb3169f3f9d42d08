const ALL = ["service", "oracle", "naive", "fixed-3", "greedy-2C"];
const steady = (latencyMs, limit, p, extra = {}) => ({
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
    strategies: ALL,
    targets: ["steady"],
    ...extra
});
const withSimulator = (base, name, simulator, extra = {}) => ({
    ...base,
    name,
    simulator: { ...base.simulator, ...simulator },
    ...extra
});
const schedule = [
    { atMs: 0, limit: 50 },
    { atMs: 2_000, limit: 20 },
    { atMs: 3_500, limit: 80 }
];
const base = steady(50, 50, 0.7);
export const scenarios = [
    steady(5, 10, 0.9),
    steady(20, 50, 0.7),
    base,
    steady(100, 200, 0.5),
    steady(200, 100, 0.8),
    withSimulator(base, "cold_start_L50_C50_p70", {}, { cold: true, strategies: ["service", "oracle"], targets: ["cold"] }),
    withSimulator(base, "changing_C50-20-80_L50_p70", { SIM_LIMIT_SCHEDULE: schedule.map((step) => `${step.atMs}:${step.limit}`).join(",") }, {
        seconds: 6,
        limitAt: (elapsed) => schedule.filter((step) => step.atMs <= elapsed).at(-1).limit,
        strategies: ["service", "oracle"],
        targets: ["changing"]
    }),
    withSimulator(base, "held429_L50_C50_p70", { SIM_429_MODE: "held" }, { strategies: ["service", "oracle", "greedy-2C"] }),
    withSimulator(base, "counted429_L50_C50_p70", { SIM_429_MODE: "counted" }, { strategies: ["service", "oracle", "greedy-2C"] }),
    withSimulator(base, "connections_L50_C50_p70", { SIM_LIMIT_BY: "connections" }, { cold: true, isolated: true, strategies: ["service", "oracle"], targets: [] }),
    withSimulator(base, "lognormal_L50_C50_p70", { SIM_LATENCY_DIST: "lognormal", SIM_JITTER_MS: "25" }, { strategies: ["service", "oracle"] }),
    withSimulator(steady(1, 16, 0.9), "tiny_L1_C16_p90", { SIM_JITTER_MS: "1", SIM_LATENCY_504_MS: "1" }, { strategies: ["service", "oracle"], targets: ["tiny"] }),
    withSimulator(steady(1000, 50, 0.7), "long_L1000_C50_p70", {}, { seconds: 8, strategies: ["service", "oracle"], targets: [] }),
    withSimulator(base, "shared3_L50_C50_p70", {}, { runs: 3, strategies: ["service", "oracle"], targets: ["shared"] }),
    withSimulator(steady(350, 30, 0.7), "window_3s_L350_C30_p70", {}, { seconds: 3, strategies: ["service", "oracle"], targets: [] })
];
