import { describe, expect, it } from "vitest"
import { Ledger, MAX_LEDGER_RUNS } from "../../src/Simulator/Ledger.js"

const recordSuccess = (ledger: Ledger, runId: string, value: number, at = 0) =>
  ledger.record(runId, 200, value, at, at + 1, false)

describe("the simulator's ledger", () => {
  it("gives back every answer as it was recorded, in order, with exact totals", () => {
    const ledger = new Ledger(100)
    ledger.record("a", 200, 7, 10, 60, false)
    ledger.record("b", 500, null, 11, 61, false)
    ledger.record("a", 429, null, 12, 12, false)
    ledger.record("a", 200, 9, 13, 70, true)
    ledger.record("a", 200, 0, 14, 71, false)
    expect(ledger.get("a")).toEqual({
      runId: "a",
      requests: 4,
      byStatus: { 200: 3, 429: 1 },
      successes: 2,
      sum: 7n,
      firstReceivedAt: 10,
      lastReceivedAt: 14,
      truncated: false,
      entries: [
        { status: 200, value: 7, receivedAt: 10, answeredAt: 60, aborted: false },
        { status: 429, value: null, receivedAt: 12, answeredAt: 12, aborted: false },
        { status: 200, value: 9, receivedAt: 13, answeredAt: 70, aborted: true },
        { status: 200, value: 0, receivedAt: 14, answeredAt: 71, aborted: false }
      ]
    })
    expect(ledger.get("b")!.entries).toEqual([{ status: 500, value: null, receivedAt: 11, answeredAt: 61, aborted: false }])
    expect(ledger.get("c")).toBeUndefined()
  })

  it("holds at most its capacity of answers over all runs, overwriting the oldest; totals stay exact", () => {
    const ledger = new Ledger(10)
    for (let i = 0; i < 6; i++) recordSuccess(ledger, "old", 1, i)
    for (let i = 0; i < 6; i++) recordSuccess(ledger, "new", 2, 100 + i)
    expect(ledger.entriesHeld).toBe(10)
    const old = ledger.get("old")!
    expect(old.truncated).toBe(true)
    expect(old.entries.map((entry) => entry.receivedAt)).toEqual([2, 3, 4, 5])
    expect(old.successes).toBe(6)
    expect(old.sum).toBe(6n)
    const recent = ledger.get("new")!
    expect(recent.truncated).toBe(false)
    expect(recent.entries).toHaveLength(6)
    expect(recent.sum).toBe(12n)
    // One run alone past the capacity keeps its newest answers and says it was cut.
    for (let i = 0; i < 25; i++) recordSuccess(ledger, "big", 3, 200 + i)
    expect(ledger.entriesHeld).toBe(10)
    const big = ledger.get("big")!
    expect(big.truncated).toBe(true)
    expect(big.successes).toBe(25)
    expect(big.sum).toBe(75n)
    expect(big.entries.map((entry) => entry.receivedAt)).toEqual([215, 216, 217, 218, 219, 220, 221, 222, 223, 224])
    expect(ledger.get("old")!.entries).toEqual([])
    expect(ledger.get("new")!.truncated).toBe(true)
  })

  it("keeps its answers across the blocks of a ring larger than one block", () => {
    const capacity = 40_000
    const ledger = new Ledger(capacity)
    for (let i = 0; i < capacity + 5_000; i++) recordSuccess(ledger, i < 5_000 ? "first" : "second", i, i)
    expect(ledger.get("first")!.truncated).toBe(true)
    expect(ledger.get("first")!.entries).toEqual([])
    const second = ledger.get("second")!
    expect(second.truncated).toBe(false)
    expect(second.entries).toHaveLength(capacity)
    expect(second.entries[0]!.value).toBe(5_000)
    expect(second.entries.at(-1)!.value).toBe(capacity + 4_999)
  })

  it("with no capacity keeps totals only, every run marked truncated", () => {
    const ledger = new Ledger(0)
    recordSuccess(ledger, "a", 5)
    expect(ledger.entriesHeld).toBe(0)
    expect(ledger.get("a")).toMatchObject({ successes: 1, sum: 5n, truncated: true, entries: [] })
  })

  it("forgets everything on clear, and a run seen again starts afresh", () => {
    const ledger = new Ledger(4)
    for (let i = 0; i < 6; i++) recordSuccess(ledger, "a", 1, i)
    ledger.clear()
    expect(ledger.runCount).toBe(0)
    expect(ledger.entriesHeld).toBe(0)
    expect(ledger.get("a")).toBeUndefined()
    recordSuccess(ledger, "a", 2, 50)
    expect(ledger.get("a")).toMatchObject({ requests: 1, sum: 2n, truncated: false, entries: [{ value: 2, receivedAt: 50 }] })
  })

  it(`remembers at most ${MAX_LEDGER_RUNS} runs, forgetting the oldest`, () => {
    const ledger = new Ledger(1_000)
    for (let i = 0; i <= MAX_LEDGER_RUNS; i++) recordSuccess(ledger, `run-${i}`, i)
    expect(ledger.runCount).toBe(MAX_LEDGER_RUNS)
    expect(ledger.get("run-0")).toBeUndefined()
    expect(ledger.get(`run-${MAX_LEDGER_RUNS}`)!.successes).toBe(1)
    expect(ledger.entriesHeld).toBeLessThanOrEqual(1_000)
  })
})
