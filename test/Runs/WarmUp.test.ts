import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { warmUpHotPath } from "../../src/Runs/WarmUp.js"
import { UpstreamConfig } from "../../src/Upstream/UpstreamConfig.js"
import { testConfig } from "../support/config.js"
import { parseExposition } from "../support/prometheus.js"
import { request, stack } from "../support/servers.js"

describe("start-up warm-up", () => {
  it.live("runs the hot path against a loopback stand-in of its own", () =>
    Effect.gen(function* () {
      const done = yield* warmUpHotPath(300)
      // A window of wall-clock time: 600-860 attempts on a quiet machine, 81 in a loaded CI run under Node 24.
      expect(done.attempts).toBeGreaterThan(20)
      // The stand-in answers 200s, 500s and 429s: some attempts fail and are retried.
      expect(done.successes).toBeGreaterThan(0)
      expect(done.successes).toBeLessThan(done.attempts)
    }).pipe(Effect.provide(UpstreamConfig.layer({ ...testConfig(), faultyServerUrl: Option.none() }))))

  it.live("leaves the upstream, the runs and the metrics as a fresh start has them", () =>
    Effect.gen(function* () {
      const { base, simulatorUrl } = yield* stack({ warmUpMs: 300, upstreamConcurrency: "auto" })
      const upstreamStats = (yield* request(new URL("/__stats", simulatorUrl))).json
      expect(upstreamStats.requests).toBe(0)
      const stats = (yield* request(new URL("/stats", base))).json
      expect(stats.runs.total).toBe(0)
      expect(stats.upstream.attempts).toBe(0)
      // The shared limiter learned nothing: it is where the configuration starts it.
      const metrics = parseExposition((yield* request(new URL("/metrics", base))).text)
      expect(metrics.value("faulty_runs_upstream_concurrency_limit")).toBe(testConfig().upstreamInitialConcurrency)
      expect(metrics.value("faulty_runs_upstream_successes_total")).toBe(0)
    }).pipe(Effect.scoped))
})
