import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { parseExposition } from "../support/prometheus.js"
import { projectRoot } from "../support/childProcess.js"
import { awaitFinished, createRun, request, stack } from "../support/servers.js"

const require = createRequire(import.meta.url)
const packageJson = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"))

const headCommit = () => {
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], { cwd: projectRoot, stdio: ["ignore", "pipe", "ignore"] }).toString().trim()
  } catch {
    return null
  }
}

describe("system endpoints", () => {
  it.live("GET /version names the build, the runtimes and the uptime", () =>
    Effect.gen(function* () {
      const { base } = yield* stack()
      const first = yield* request(new URL("/version", base))
      expect(first.status).toBe(200)
      expect(first.json).toEqual({
        name: "faulty-runs",
        version: packageJson.version,
        commit: headCommit(),
        node: process.version,
        effect: require("effect/package.json").version,
        started_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        uptime_seconds: expect.any(Number)
      })
      yield* Effect.sleep("50 millis")
      const later = yield* request(new URL("/version", base))
      expect(later.json.uptime_seconds).toBeGreaterThan(first.json.uptime_seconds)
      expect(later.json.started_at).toBe(first.json.started_at)
    }).pipe(Effect.scoped))

  it.live("GET /stats totals the runs, their successes and the upstream attempts, in step with /metrics", () =>
    Effect.gen(function* () {
      const { base } = yield* stack({ upstreamConcurrency: 4 }, { concurrencyLimit: 6, p500: 0.2, seed: 5 })
      const empty = yield* request(new URL("/stats", base))
      expect(empty.json.runs).toEqual({ PENDING: 0, IN_PROGRESS: 0, FINISHED: 0, total: 0 })
      expect(empty.json.finished_runs_mean_successes_per_second).toBeNull()
      expect(empty.json.upstream.success_share).toBeNull()

      const created = yield* Effect.all([createRun(base, 1), createRun(base, 2)])
      const runs = yield* Effect.forEach(created, (run) => awaitFinished(base, run.id))
      const stats = (yield* request(new URL("/stats", base))).json
      const counted = runs.reduce((sum, run) => sum + run.successful_responses_count, 0)
      expect(stats.runs).toEqual({ PENDING: 0, IN_PROGRESS: 0, FINISHED: 2, total: 2 })
      expect(stats.successful_responses_count).toBe(counted)
      const meanRate = runs.reduce((sum, run) => sum + run.successful_responses_count / run.seconds, 0) / runs.length
      expect(stats.finished_runs_mean_successes_per_second).toBeCloseTo(meanRate, 6)

      const metrics = parseExposition((yield* request(new URL("/metrics", base))).text)
      const byOutcome = stats.upstream.attempts_by_outcome as Record<string, number>
      for (const [outcome, count] of Object.entries(byOutcome)) {
        expect(metrics.value("faulty_runs_upstream_attempts_total", { outcome })).toBe(count)
      }
      expect(stats.upstream.attempts).toBe(Object.values(byOutcome).reduce((sum, count) => sum + count, 0))
      expect(stats.upstream.successes).toBe(counted)
      expect(stats.upstream.late_responses).toBe(metrics.value("faulty_runs_upstream_late_responses_total"))
      expect(byOutcome["500"]).toBeGreaterThan(0)
      expect(stats.upstream.success_share).toBeCloseTo(byOutcome["200"]! / (stats.upstream.attempts - byOutcome["abandoned"]!), 9)
      expect(stats.upstream.success_share).toBeLessThan(1)
    }).pipe(Effect.scoped))

  it.live("GET /stats/throughput samples successes per second and the limit every second", () =>
    Effect.gen(function* () {
      const { base } = yield* stack({ upstreamConcurrency: 5 }, { concurrencyLimit: 0 })
      const run = yield* createRun(base, 3)
      let samples: Array<{ at: number; successes_per_second: number; concurrency_limit: number; in_flight: number }> = []
      for (let tries = 0; tries < 100 && !samples.some((sample) => sample.successes_per_second > 0); tries++) {
        yield* Effect.sleep("200 millis")
        const answer = yield* request(new URL("/stats/throughput", base))
        expect(answer.status).toBe(200)
        expect(answer.json.interval_ms).toBe(1000)
        samples = answer.json.samples
      }
      expect(samples.some((sample) => sample.successes_per_second > 0)).toBe(true)
      for (const sample of samples) expect(sample.concurrency_limit).toBe(5)
      const times = samples.map((sample) => sample.at)
      expect([...times].sort((a, b) => a - b)).toEqual(times)

      const since = times[0]!
      const later = yield* request(new URL(`/stats/throughput?since=${since}`, base))
      expect(later.json.samples.every((sample: { at: number }) => sample.at > since)).toBe(true)
      expect((yield* request(new URL("/stats/throughput?since=yesterday", base))).status).toBe(400)
      yield* awaitFinished(base, run.id)
    }).pipe(Effect.scoped))
})

describe("the dashboard's files", () => {
  it.live("GET / serves the page, which loads only the service's own assets, under a same-origin CSP", () =>
    Effect.gen(function* () {
      const { base } = yield* stack()
      const page = yield* request(new URL("/", base))
      expect(page.status).toBe(200)
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8")
      expect(page.headers.get("content-security-policy")).toMatch(/default-src 'none'; script-src 'self';/)
      const references = [...page.text.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((match) => match[1]!)
      expect(references).toEqual(
        expect.arrayContaining(["/docs", "/metrics", "/dashboard/app.js", "/dashboard/uPlot.iife.min.js"])
      )
      for (const reference of references) expect(reference).toMatch(/^(?:\/(?!\/)|data:)/)

      const assets: Array<[string, string]> = [
        ["/dashboard/app.js", "text/javascript; charset=utf-8"],
        ["/dashboard/app.css", "text/css; charset=utf-8"],
        ["/dashboard/uPlot.iife.min.js", "text/javascript; charset=utf-8"],
        ["/dashboard/uPlot.min.css", "text/css; charset=utf-8"]
      ]
      for (const [path, contentType] of assets) {
        const asset = yield* request(new URL(path, base))
        expect(asset.status).toBe(200)
        expect(asset.headers.get("content-type")).toBe(contentType)
      }
      const uplot = yield* request(new URL("/dashboard/uPlot.iife.min.js", base))
      expect(uplot.text).toBe(readFileSync(require.resolve("uplot/dist/uPlot.iife.min.js"), "utf8"))

      const post = yield* request(new URL("/", base), { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })
      expect(post.status).toBe(405)
      expect(post.headers.get("allow")).toBe("GET, HEAD")
      expect((yield* request(new URL("/dashboard/nothing.js", base))).status).toBe(404)
    }).pipe(Effect.scoped))
})
