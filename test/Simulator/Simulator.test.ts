import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either } from "effect"
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
      const global = yield* simulator({ concurrencyLimit: 2, latencyMs: 150, jitterMs: 0, p500: 0, p504: 0 })
      const globalStatuses = (yield* burst(global.url)).map((answer) => answer.status)
      expect(globalStatuses.filter((status) => status === 200)).toHaveLength(2)
      const perRun = yield* simulator({
        concurrencyLimit: 2,
        limitScope: "per-run",
        latencyMs: 150,
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
