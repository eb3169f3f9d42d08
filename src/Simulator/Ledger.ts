/** One answer of the simulator: what it said to which run, and when (epoch ms). */
export interface LedgerEntry {
  readonly status: number
  readonly value: number | null
  readonly receivedAt: number
  readonly answeredAt: number
  /** The client had gone before the answer was written: it cannot have been counted. */
  readonly aborted: boolean
}

/** What `/__ledger/{runId}` serves: a run's exact totals and the answers still held. */
export interface RunLedger {
  readonly runId: string
  readonly requests: number
  readonly byStatus: Record<string, number>
  readonly successes: number
  readonly sum: bigint
  readonly firstReceivedAt: number | null
  readonly lastReceivedAt: number | null
  /** Some of the run's answers were overwritten by newer ones: `entries` holds only the newest. */
  readonly truncated: boolean
  readonly entries: Array<LedgerEntry>
}

/** Runs the ledger remembers at most; the oldest is forgotten first, totals and all. */
export const MAX_LEDGER_RUNS = 10_000

/** Answers per block of the ring: blocks are allocated as the ring first fills, never freed. */
const BLOCK_SLOTS = 16_384

interface RunTotals {
  readonly runId: string
  /** Tags the run's slots in the ring; a run's ordinal is never reused. */
  readonly ordinal: number
  requests: number
  byStatus: Record<string, number>
  successes: number
  sum: bigint
  firstReceivedAt: number | null
  lastReceivedAt: number | null
  truncated: boolean
}

/** One block of answers, a column per field, so holding them costs the collector nothing to trace. */
class Block {
  readonly ordinal = new Float64Array(BLOCK_SLOTS)
  readonly receivedAt = new Float64Array(BLOCK_SLOTS)
  readonly answeredAt = new Float64Array(BLOCK_SLOTS)
  /** NaN where the answer carried no value. */
  readonly value = new Float64Array(BLOCK_SLOTS)
  readonly status = new Uint16Array(BLOCK_SLOTS)
  readonly aborted = new Uint8Array(BLOCK_SLOTS)
}

/**
 * Per X-Run-Id record of every answer, so tests can prove a run's count and sum exact. Its memory
 * is bounded: the bundled simulator lives as long as `npm start`, and answers hundreds of requests
 * a second. The answers live in a ring of `capacity` slots over all runs, in typed arrays rather
 * than one object per answer (100,000 answers as objects held 11 MiB of heap that every major GC
 * traced; as columns, 4 MB outside it); when the ring is full the oldest answer is overwritten
 * and its run marked truncated. A run's totals stay exact while it is remembered.
 */
export class Ledger {
  // A Map iterates in insertion order: its first run is the oldest.
  private readonly runs = new Map<string, RunTotals>()
  private readonly runsByOrdinal = new Map<number, RunTotals>()
  private readonly blocks: Array<Block> = []
  private nextOrdinal = 1
  /** Answers ever written since the last clear; the next one goes to slot `written % capacity`. */
  private written = 0

  constructor(private readonly capacity: number) {}

  record(runId: string, status: number, value: number | null, receivedAt: number, answeredAt: number, aborted: boolean): void {
    const run = this.runs.get(runId) ?? this.remember(runId)
    run.requests += 1
    run.byStatus[status] = (run.byStatus[status] ?? 0) + 1
    if (status === 200 && value !== null && !aborted) {
      run.successes += 1
      run.sum += BigInt(value)
    }
    run.firstReceivedAt ??= receivedAt
    run.lastReceivedAt = Math.max(run.lastReceivedAt ?? receivedAt, receivedAt)
    if (this.capacity === 0) {
      run.truncated = true
      return
    }
    const slot = this.written % this.capacity
    const block = this.blockOf(slot)
    const offset = slot % BLOCK_SLOTS
    if (this.written >= this.capacity) {
      const overwritten = this.runsByOrdinal.get(block.ordinal[offset]!)
      if (overwritten !== undefined) overwritten.truncated = true
    }
    block.ordinal[offset] = run.ordinal
    block.receivedAt[offset] = receivedAt
    block.answeredAt[offset] = answeredAt
    block.value[offset] = value ?? Number.NaN
    block.status[offset] = status
    block.aborted[offset] = aborted ? 1 : 0
    this.written += 1
  }

  /** The run's totals and its answers still held, oldest first; a scan of the ring, for tests and tools. */
  get(runId: string): RunLedger | undefined {
    const run = this.runs.get(runId)
    if (run === undefined) return undefined
    const entries: Array<LedgerEntry> = []
    const held = this.entriesHeld
    for (let i = this.written - held; i < this.written; i++) {
      const slot = i % this.capacity
      const block = this.blocks[Math.floor(slot / BLOCK_SLOTS)]!
      const offset = slot % BLOCK_SLOTS
      if (block.ordinal[offset] !== run.ordinal) continue
      const value = block.value[offset]!
      entries.push({
        status: block.status[offset]!,
        value: Number.isNaN(value) ? null : value,
        receivedAt: block.receivedAt[offset]!,
        answeredAt: block.answeredAt[offset]!,
        aborted: block.aborted[offset] === 1
      })
    }
    const { ordinal: _, ...totals } = run
    return { ...totals, byStatus: { ...run.byStatus }, entries }
  }

  get runCount(): number {
    return this.runs.size
  }

  /** Slots of the ring in use (some may belong to runs already forgotten). */
  get entriesHeld(): number {
    return Math.min(this.written, this.capacity)
  }

  /** Forgets every run and answer; the blocks stay allocated for the answers to come. */
  clear(): void {
    this.runs.clear()
    this.runsByOrdinal.clear()
    this.written = 0
  }

  private remember(runId: string): RunTotals {
    const run: RunTotals = {
      runId,
      ordinal: this.nextOrdinal++,
      requests: 0,
      byStatus: {},
      successes: 0,
      sum: 0n,
      firstReceivedAt: null,
      lastReceivedAt: null,
      truncated: false
    }
    this.runs.set(runId, run)
    this.runsByOrdinal.set(run.ordinal, run)
    if (this.runs.size > MAX_LEDGER_RUNS) {
      const oldest = this.runs.values().next().value!
      this.runs.delete(oldest.runId)
      this.runsByOrdinal.delete(oldest.ordinal)
    }
    return run
  }

  private blockOf(slot: number): Block {
    const index = Math.floor(slot / BLOCK_SLOTS)
    while (this.blocks.length <= index) this.blocks.push(new Block())
    return this.blocks[index]!
  }
}
