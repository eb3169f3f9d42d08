import { Option } from "effect";
export const testConfig = (overrides = {}) => ({
    port: 0,
    host: "127.0.0.1",
    faultyServerUrl: Option.none(),
    maxConcurrentRuns: 4,
    maxPendingRuns: 16,
    databaseUrl: ":memory:",
    upstreamConcurrency: 4,
    upstreamInitialConcurrency: 4,
    upstreamMaxConcurrency: 512,
    upstreamTimeoutMs: 5_000,
    checkpointIntervalMs: 200,
    shutdownGraceMs: 5_000,
    ...overrides
});
