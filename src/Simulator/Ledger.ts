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
  readonly entries: Array<LedgerEntry>
}

/** Per X-Run-Id record of every answer, so tests can prove a run's count and sum exact. */
export class Ledger {
  private readonly runs = new Map<string, RunLedger>()

  constructor(private readonly limitPerRun: number) {}

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
    }
    run.requests += 1
    run.byStatus[entry.status] = (run.byStatus[entry.status] ?? 0) + 1
    if (entry.status === 200 && entry.value !== null && !entry.aborted) {
      run.successes += 1
      run.sum += BigInt(entry.value)
    }
    run.firstReceivedAt ??= entry.receivedAt
    run.lastReceivedAt = Math.max(run.lastReceivedAt ?? entry.receivedAt, entry.receivedAt)
    if (run.entries.length < this.limitPerRun) run.entries.push(entry)
    else run.truncated = true
  }

  get(runId: string): RunLedger | undefined {
    return this.runs.get(runId)
  }

  get runCount(): number {
    return this.runs.size
  }

  clear(): void {
    this.runs.clear()
  }
}
