import type { RunCounters } from "../Store/RunStore.js"

/** A run's counters while it executes: plain fields, updated from one JS thread, read by GET. */
export class LiveCounters {
  constructor(
    public successfulResponsesCount: number,
    public sum: bigint
  ) {}

  add(value: number): void {
    this.successfulResponsesCount += 1
    this.sum += BigInt(value)
  }

  snapshot(): RunCounters {
    return { successfulResponsesCount: this.successfulResponsesCount, sum: this.sum }
  }
}
