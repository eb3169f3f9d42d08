import { Option } from "effect"
import type { AppConfigShape } from "../../src/Config.js"

export const testConfig = (overrides: Partial<AppConfigShape> = {}): AppConfigShape => ({
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
  warmUpMs: 0,
  checkpointIntervalMs: 200,
  shutdownGraceMs: 5_000,
  ...overrides
})
