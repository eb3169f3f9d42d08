/** One answer of the simulator: what it said to which run, and when (epoch ms). */
export interface LedgerEntry {
  readonly status: number
  readonly value: number | null
  readonly receivedAt: number
  readonly answeredAt: number
  /** The client had gone before the answer was written: it cannot have been counted. */
  readonly aborted: boolean
}

export interface RunLedger {
  readonly runId: string
  requests: number
  byStatus: Record<string, number>
  successes: number
  sum: bigint
  firstReceivedAt: number | null
  lastReceivedAt: number | null
  truncated: boolean
  entries: Array<LedgerEntry>
}

/** Runs the ledger remembers at most; the oldest is forgotten first, totals and all. */
export const MAX_LEDGER_RUNS = 10_000

/**
 * Per X-Run-Id record of every answer, so tests can prove a run's count and sum exact. Its memory
 * is bounded: the bundled simulator lives as long as `npm start`, and answers hundreds of requests
 * a second. At most `maxEntries` answers are kept over all runs (when full, the oldest runs' answers
 * are dropped first, and those runs marked truncated); a run's totals stay exact while it is remembered.
 */
export class Ledger {
  // A Map iterates in insertion order: its first run is the oldest.
  private readonly runs = new Map<string, RunLedger>()
  private entryCount = 0

  constructor(private readonly maxEntries: number) {}

  record(runId: string, entry: LedgerEntry): void {
    let run = this.runs.get(runId)
    if (run === undefined) {
      run = {
        runId,
        requests: 0,
        byStatus: {},
        successes: 0,
        sum: 0n,
        firstReceivedAt: null,
        lastReceivedAt: null,
        truncated: false,
        entries: []
      }
      this.runs.set(runId, run)
      if (this.runs.size > MAX_LEDGER_RUNS) this.forgetOldestRun()
    }
    run.requests += 1
    run.byStatus[entry.status] = (run.byStatus[entry.status] ?? 0) + 1
    if (entry.status === 200 && entry.value !== null && !entry.aborted) {
      run.successes += 1
      run.sum += BigInt(entry.value)
    }
    run.firstReceivedAt ??= entry.receivedAt
    run.lastReceivedAt = Math.max(run.lastReceivedAt ?? entry.receivedAt, entry.receivedAt)
    if (this.entryCount >= this.maxEntries) this.dropOldestEntries(run)
    if (this.entryCount < this.maxEntries) {
      run.entries.push(entry)
      this.entryCount += 1
    } else {
      run.truncated = true
    }
  }

  get(runId: string): RunLedger | undefined {
    return this.runs.get(runId)
  }

  get runCount(): number {
    return this.runs.size
  }

  /** Answers held over all runs. */
  get entriesHeld(): number {
    return this.entryCount
  }

  clear(): void {
    this.runs.clear()
    this.entryCount = 0
  }

  private forgetOldestRun(): void {
    const oldest = this.runs.values().next().value
    if (oldest === undefined) return
    this.entryCount -= oldest.entries.length
    this.runs.delete(oldest.runId)
  }

  /** Makes room by dropping the answers of the oldest run that has any, other than `current`. */
  private dropOldestEntries(current: RunLedger): void {
    for (const run of this.runs.values()) {
      if (run === current || run.entries.length === 0) continue
      this.entryCount -= run.entries.length
      run.entries = []
      run.truncated = true
      return
    }
  }
}
