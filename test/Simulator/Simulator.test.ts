import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either } from "effect"
import { latencySampler, seededRandom } from "../../src/Simulator/Random.js"
import { simulatorSettingsConfig } from "../../src/Simulator/Settings.js"
import { fetchLedger } from "../support/ledger.js"
import { request, simulator } from "../support/servers.js"

const hit = (url: URL, runId?: string) =>
  request(url, runId === undefined ? {} : { headers: { "x-run-id": runId } })

describe("simulator", () => {
  it.live("answers with the exact bodies of the spec", () =>
    Effect.gen(function* () {
      const cases = [
        [{ p500: 1, p504: 0 }, 500, '{"error": "Internal server error"}'],
        [{ p500: 0, p504: 1 }, 504, '{"error": "Timed out"}'],
        [{ p500: 0, p504: 0, valueMin: 37, valueMax: 37 }, 200, '{"value": 37}']
      ] as const
      for (const [settings, status, body] of cases) {
        const sim = yield* simulator({ ...settings, latencyMs: 1, jitterMs: 0, latency504Ms: 1 })
        const answer = yield* hit(sim.url, "r")
        expect(answer.status).toBe(status)
        expect(answer.text).toBe(body)
      }
      const limited = yield* simulator({ concurrencyLimit: 1, latencyMs: 200, jitterMs: 0, p500: 0, p504: 0 })
      const [first, second] = yield* Effect.all([hit(limited.url, "r"), Effect.delay(hit(limited.url, "r"), "50 millis")], {
        concurrency: 2
      })
      expect(first!.status).toBe(200)
      expect(second!.status).toBe(429)
      expect(second!.text).toBe('{"error": "Too many concurrent requests"}')
    }).pipe(Effect.scoped))

  it.live("counts its limit globally or per X-Run-Id", () =>
    Effect.gen(function* () {
      const burst = (url: URL) =>
        Effect.all(
          ["a", "a", "a", "b", "b", "b"].map((runId) => hit(url, runId)),
          { concurrency: "unbounded" }
        )
      // A latency far longer than a busy machine needs to send the six requests: they are all in flight together.
      const global = yield* simulator({ concurrencyLimit: 2, latencyMs: 600, jitterMs: 0, p500: 0, p504: 0 })
      const globalStatuses = (yield* burst(global.url)).map((answer) => answer.status)
      expect(globalStatuses.filter((status) => status === 200)).toHaveLength(2)
      const perRun = yield* simulator({
        concurrencyLimit: 2,
        limitScope: "per-run",
        latencyMs: 600,
        jitterMs: 0,
        p500: 0,
        p504: 0
      })
      const perRunStatuses = (yield* burst(perRun.url)).map((answer) => answer.status)
      expect(perRunStatuses.filter((status) => status === 200)).toHaveLength(4)
      const stats = yield* request(new URL("/__stats", perRun.url))
      expect(stats.json.maxInFlight).toBe(4)
    }).pipe(Effect.scoped))

  it.live("a seed makes its answers repeatable, and the ledger records each one", () =>
    Effect.gen(function* () {
      const sequence = (seed: number) =>
        Effect.gen(function* () {
          const sim = yield* simulator({ seed, latencyMs: 1, jitterMs: 0, latency504Ms: 1, p500: 0.3, p504: 0.2 })
          for (let i = 0; i < 30; i++) yield* hit(sim.url, "seeded")
          const ledger = yield* fetchLedger(sim.url, "seeded")
          return ledger!.entries.map((entry) => `${entry.status}:${entry.value}`)
        })
      const one = yield* sequence(42)
      const two = yield* sequence(42)
      const other = yield* sequence(43)
      expect(one).toHaveLength(30)
      expect(one).toEqual(two)
      expect(one).not.toEqual(other)
      expect(new Set(one.map((entry) => entry.split(":")[0]))).toEqual(new Set(["200", "500", "504"]))
    }).pipe(Effect.scoped))

  it.live("the ledger's totals are exact and unknown routes answer 404 in JSON", () =>
    Effect.gen(function* () {
      const sim = yield* simulator({ latencyMs: 1, jitterMs: 0, p500: 0.5, p504: 0 })
      let sum = 0n
      let successes = 0
      for (let i = 0; i < 40; i++) {
        const answer = yield* hit(sim.url, "totals")
        if (answer.status === 200) {
          successes += 1
          sum += BigInt(answer.json.value)
        }
      }
      const ledger = yield* request(new URL("/__ledger/totals", sim.url))
      expect(ledger.json.successes).toBe(successes)
      expect(BigInt(ledger.json.sum)).toBe(sum)
      expect(ledger.json.requests).toBe(40)
      const unknown = yield* request(new URL("/nope", sim.url))
      expect(unknown.status).toBe(404)
      expect(unknown.json.error).toMatch(/no route/)
      // A malformed escape is the client's mistake: a 400, and the simulator still answers after it.
      const malformed = yield* request(new URL("/__ledger/%E0", sim.url))
      expect(malformed.status).toBe(400)
      expect(malformed.json.error).toMatch(/percent-encoding/)
      expect((yield* request(new URL("/__ledger/totals", sim.url))).status).toBe(200)
    }).pipe(Effect.scoped))

  it.effect("rejects impossible settings", () =>
    Effect.gen(function* () {
      const load = (env: Record<string, string>) =>
        Effect.either(Effect.withConfigProvider(simulatorSettingsConfig, ConfigProvider.fromMap(new Map(Object.entries(env)))))
      expect(Either.isLeft(yield* load({ SIM_P500: "0.7", SIM_P504: "0.5" }))).toBe(true)
      expect(Either.isLeft(yield* load({ SIM_P500: "2" }))).toBe(true)
      expect(Either.isLeft(yield* load({ SIM_VALUE_MIN: "5", SIM_VALUE_MAX: "4" }))).toBe(true)
      expect(Either.isLeft(yield* load({ SIM_LIMIT_SCOPE: "sometimes" }))).toBe(true)
      expect(Either.isRight(yield* load({ SIM_P500: "0.5", SIM_LIMIT_SCOPE: "per-run" }))).toBe(true)
    }))
})

describe("simulator scenarios", () => {
  const settle = { p500: 0, p504: 0, jitterMs: 0 } as const
  const burst = (url: URL, count: number, runId = "s") =>
    Effect.all(Array.from({ length: count }, () => hit(url, runId)), { concurrency: "unbounded" })
  const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.gen(function* () {
      const started = Date.now()
      const value = yield* effect
      return { value, ms: Date.now() - started }
    })

  it.live("a held 429 comes back after the latency, a counted one also holds a slot", () =>
    Effect.gen(function* () {
      // Latencies and delays far apart, so that a busy machine's lag cannot reorder them.
      const held = yield* simulator({ ...settle, concurrencyLimit: 1, latencyMs: 600, rejectMode: "held" })
      const [, rejected] = yield* Effect.all([hit(held.url), Effect.delay(timed(hit(held.url)), "50 millis")], {
        concurrency: 2
      })
      expect(rejected.value.status).toBe(429)
      expect(rejected.ms).toBeGreaterThanOrEqual(590)
      const counted = yield* simulator({ ...settle, concurrencyLimit: 1, latencyMs: 600, rejectMode: "counted" })
      const statuses = yield* Effect.all(
        [hit(counted.url), Effect.delay(hit(counted.url), "50 millis"), Effect.delay(hit(counted.url), "400 millis")],
        { concurrency: 3 }
      )
      // counted: the 429 sent at 50 ms holds the only slot until 650 ms, so the request at 400 ms is refused too
      expect(statuses.map((answer) => answer.status)).toEqual([200, 429, 429])
    }).pipe(Effect.scoped))

  it.live("a limit schedule changes C over time, counted from the first request", () =>
    Effect.gen(function* () {
      const sim = yield* simulator({ ...settle, latencyMs: 100, limitSchedule: [{ atMs: 0, limit: 2 }, { atMs: 300, limit: 5 }] })
      const early = (yield* burst(sim.url, 5)).filter((answer) => answer.status === 200).length
      yield* Effect.sleep("350 millis")
      const late = (yield* burst(sim.url, 5)).filter((answer) => answer.status === 200).length
      expect([early, late]).toEqual([2, 5])
    }).pipe(Effect.scoped))

  it.live("POST /__reset?limit=N sets C until the next reset, and a bad limit changes nothing", () =>
    Effect.gen(function* () {
      const sim = yield* simulator({ ...settle, latencyMs: 300, concurrencyLimit: 2 })
      const reset = (query: string) => request(new URL(`/__reset${query}`, sim.url), { method: "POST" })
      const accepted = (count: number) =>
        Effect.map(burst(sim.url, count), (answers) => answers.filter((answer) => answer.status === 200).length)
      expect((yield* reset("?limit=4")).json).toEqual({ reset: true, concurrencyLimit: 4 })
      expect(yield* accepted(6)).toBe(4)
      const refused = yield* reset("?limit=-1")
      expect(refused.status).toBe(400)
      expect(refused.text).toContain("limit must be a whole number")
      expect(yield* accepted(6)).toBe(4)
      expect((yield* reset("")).json).toEqual({ reset: true, concurrencyLimit: 2 })
      expect(yield* accepted(6)).toBe(2)
    }).pipe(Effect.scoped))

  it.live("a limit by connections serves the first C connections and refuses the others", () =>
    Effect.gen(function* () {
      const sim = yield* simulator({ ...settle, latencyMs: 50, concurrencyLimit: 2, limitBy: "connections" })
      // fetch opens a connection per concurrent request
      const statuses = (yield* burst(sim.url, 4)).map((answer) => answer.status).sort()
      expect(statuses).toEqual([200, 200, 429, 429])
    }).pipe(Effect.scoped))

  it("the lognormal sampler has the configured mean and standard deviation, and a long tail", () => {
    const sample = latencySampler({ distribution: "lognormal", latencyMs: 30, jitterMs: 15 }, seededRandom(7))
    const samples = Array.from({ length: 50_000 }, () => sample(30))
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length
    const sd = Math.sqrt(samples.reduce((a, b) => a + (b - mean) ** 2, 0) / samples.length)
    expect(mean).toBeGreaterThan(29.5)
    expect(mean).toBeLessThan(30.5)
    expect(sd).toBeGreaterThan(14)
    expect(sd).toBeLessThan(16)
    const sorted = [...samples].sort((a, b) => a - b)
    // Skewed to the right: the median sits below the mean, the far tail well above it.
    expect(sorted[samples.length / 2]!).toBeLessThan(mean)
    expect(sorted[Math.floor(samples.length * 0.999)]!).toBeGreaterThan(mean + 3 * sd)
    // A slower mean (504s) keeps the shape: the same relative spread.
    const slow = Array.from({ length: 50_000 }, () => sample(120))
    const slowMean = slow.reduce((a, b) => a + b, 0) / slow.length
    expect(slowMean).toBeGreaterThan(118)
    expect(slowMean).toBeLessThan(122)
  })

  it.live("the simulator answers after lognormal latencies when told to", () =>
    Effect.gen(function* () {
      const sim = yield* simulator({ p500: 0, p504: 0, concurrencyLimit: 0, latencyMs: 30, jitterMs: 15, latencyDistribution: "lognormal" })
      yield* burst(sim.url, 200, "lognormal")
      const ledger = yield* fetchLedger(sim.url, "lognormal")
      const latencies = ledger!.entries.map((entry) => entry.answeredAt - entry.receivedAt)
      const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length
      // Timers never fire early, but late by however busy the machine is: only the lower side is exact.
      expect(mean).toBeGreaterThan(25)
      expect(Math.max(...latencies) - Math.min(...latencies)).toBeGreaterThan(20)
    }).pipe(Effect.scoped))
})
