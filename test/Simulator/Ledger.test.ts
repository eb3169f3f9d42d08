import { describe, expect, it } from "vitest"
import { Ledger, MAX_LEDGER_RUNS } from "../../src/Simulator/Ledger.js"

const success = (value: number, at = 0) => ({ status: 200, value, receivedAt: at, answeredAt: at + 1, aborted: false })

describe("the simulator's ledger", () => {
  it("holds at most its limit of answers over all runs, dropping the oldest runs' first; totals stay exact", () => {
    const ledger = new Ledger(10)
    for (let i = 0; i < 6; i++) ledger.record("old", success(1))
    for (let i = 0; i < 6; i++) ledger.record("new", success(2))
    expect(ledger.entriesHeld).toBeLessThanOrEqual(10)
    const old = ledger.get("old")!
    expect(old.truncated).toBe(true)
    expect(old.entries).toEqual([])
    expect(old.successes).toBe(6)
    expect(old.sum).toBe(6n)
    const recent = ledger.get("new")!
    expect(recent.truncated).toBe(false)
    expect(recent.entries).toHaveLength(6)
    expect(recent.sum).toBe(12n)
    // One run alone past the limit keeps its first answers and says it was cut.
    for (let i = 0; i < 20; i++) ledger.record("big", success(3))
    expect(ledger.entriesHeld).toBe(10)
    expect(ledger.get("big")!.truncated).toBe(true)
    expect(ledger.get("big")!.successes).toBe(20)
  })

  it(`remembers at most ${MAX_LEDGER_RUNS} runs, forgetting the oldest`, () => {
    const ledger = new Ledger(1_000)
    for (let i = 0; i <= MAX_LEDGER_RUNS; i++) ledger.record(`run-${i}`, success(i))
    expect(ledger.runCount).toBe(MAX_LEDGER_RUNS)
    expect(ledger.get("run-0")).toBeUndefined()
    expect(ledger.get(`run-${MAX_LEDGER_RUNS}`)!.successes).toBe(1)
    expect(ledger.entriesHeld).toBeLessThanOrEqual(1_000)
  })
})
