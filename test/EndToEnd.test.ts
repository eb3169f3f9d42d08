import { monitorEventLoopDelay } from "node:perf_hooks"
import { beforeEach, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { fetchLedger, matchLedger } from "./support/ledger.js"
import { awaitFinished, createRun, request, stack, type WireRun } from "./support/servers.js"

// The simulator runs on this process's event loop, so a request sent before the end is stamped
// late by as long as the loop was stalled (a busy machine): that stall is part of the allowance.
const eventLoopDelay = monitorEventLoopDelay({ resolution: 5 })
eventLoopDelay.enable()
beforeEach(() => eventLoopDelay.reset())
const longestStallMs = () => eventLoopDelay.max / 1e6

const window = (run: WireRun) => ({ startedAt: Date.parse(run.started_at!), endsAt: Date.parse(run.ends_at!) })

const expectExact = (simulatorUrl: URL, run: WireRun) =>
  Effect.gen(function* () {
    const ledger = yield* fetchLedger(simulatorUrl, run.id)
    expect(ledger).toBeDefined()
    const { startedAt, endsAt } = window(run)
    // The simulator runs in this process: on a loaded machine an answer can wait for the event loop,
    // so answers within 100 ms of the end (or the longest stall seen, if longer) may have arrived on
    // either side of it. The runs below are kept slow enough that this leaves few answers to decide.
    const margin = Math.max(100, 20 + longestStallMs())
    const match = matchLedger(ledger!, { count: run.successful_responses_count, sum: run.sum, cutoff: endsAt }, margin)
    expect(match.reason, `margin ${Math.round(margin)} ms, ${match.ambiguous} answers within it`).toBe("matched")
    // ...and the check is sharp: one success more or less matches nothing.
    const cutoff = endsAt
    expect(matchLedger(ledger!, { count: run.successful_responses_count + 1, sum: run.sum, cutoff }, margin).ok).toBe(false)
    expect(matchLedger(ledger!, { count: run.successful_responses_count, sum: run.sum + 1n, cutoff }, margin).ok).toBe(false)
    // No request of the run before its start or after its end (allowing loopback transit and the
    // longest event-loop stall seen: the simulator shares this loop). That no request is *sent* at
    // or after the end is proven exactly under TestClock (Engine.test.ts).
    const allowance = 20 + longestStallMs()
    for (const entry of ledger!.entries) {
      expect(entry.receivedAt).toBeGreaterThanOrEqual(startedAt)
      expect(entry.receivedAt).toBeLessThan(endsAt + allowance)
    }
    return ledger!
  })

describe("end to end against the real simulator", () => {
  it.live("a run's count and sum equal the ledger's successes inside its window, through 429s, 500s and 504s", () =>
    Effect.gen(function* () {
      const { base, simulatorUrl } = yield* stack(
        { upstreamConcurrency: 6 },
        { concurrencyLimit: 4, p500: 0.2, p504: 0.05, seed: 7, latencyMs: 40, latency504Ms: 50 }
      )
      const created = yield* createRun(base, 2)
      expect(created.status === "PENDING" || created.status === "IN_PROGRESS").toBe(true)
      const run = yield* awaitFinished(base, created.id)
      expect(run.successful_responses_count).toBeGreaterThan(100)
      const ledger = yield* expectExact(simulatorUrl, run)
      expect(ledger.byStatus["429"] ?? 0).toBeGreaterThan(0)
      expect(ledger.byStatus["500"] ?? 0).toBeGreaterThan(0)
      expect(ledger.byStatus["504"] ?? 0).toBeGreaterThan(0)
    }).pipe(Effect.scoped))

  it.live("negative values sum exactly", () =>
    Effect.gen(function* () {
      const { base, simulatorUrl } = yield* stack({ upstreamConcurrency: 4 }, { valueMin: -2_147_483_648, valueMax: -1, concurrencyLimit: 0, latencyMs: 40 })
      const run = yield* awaitFinished(base, (yield* createRun(base, 1)).id)
      expect(run.sum < 0n).toBe(true)
      expect(run.successful_responses_count).toBeGreaterThan(10)
      yield* expectExact(simulatorUrl, run)
    }).pipe(Effect.scoped))

  it.live("keeps retrying through a burst of 500s", () =>
    Effect.gen(function* () {
      const { base, simulatorUrl } = yield* stack({ upstreamConcurrency: 4 }, { p500: 0.9, p504: 0, concurrencyLimit: 0 })
      const run = yield* awaitFinished(base, (yield* createRun(base, 2)).id)
      const ledger = yield* expectExact(simulatorUrl, run)
      expect(run.successful_responses_count).toBeGreaterThan(5)
      expect(ledger.byStatus["500"]).toBeGreaterThan(run.successful_responses_count * 4)
    }).pipe(Effect.scoped))

  it.live("every upstream request carries its own run's X-Run-Id", () =>
    Effect.gen(function* () {
      const { base, simulatorUrl } = yield* stack(
        { maxConcurrentRuns: 2, upstreamConcurrency: 4 },
        { concurrencyLimit: 0, seed: 3, latencyMs: 40 }
      )
      const [a, b] = yield* Effect.all([createRun(base, 1), createRun(base, 2)])
      const runs = yield* Effect.all([awaitFinished(base, a!.id), awaitFinished(base, b!.id)])
      // A request abandoned at a window's end is counted by the simulator when it arrives, but is in
      // a ledger only once its answer falls due: wait until none is pending.
      for (let tries = 0; tries < 100 && (yield* request(new URL("/__stats", simulatorUrl))).json.inFlight > 0; tries++) {
        yield* Effect.sleep("50 millis")
      }
      let seen = 0
      for (const run of runs) seen += (yield* expectExact(simulatorUrl, run)).requests
      const stats = yield* request(new URL("/__stats", simulatorUrl))
      // Every request the simulator saw belongs to one of the two runs' ledgers.
      expect(stats.json.requests).toBe(seen)
      expect(yield* fetchLedger(simulatorUrl, "")).toBeUndefined()
    }).pipe(Effect.scoped))
})
