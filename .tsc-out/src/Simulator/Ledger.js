/** Per X-Run-Id record of every answer, so tests can prove a run's count and sum exact. */
export class Ledger {
    limitPerRun;
    runs = new Map();
    constructor(limitPerRun) {
        this.limitPerRun = limitPerRun;
    }
    record(runId, entry) {
        let run = this.runs.get(runId);
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
            };
            this.runs.set(runId, run);
        }
        run.requests += 1;
        run.byStatus[entry.status] = (run.byStatus[entry.status] ?? 0) + 1;
        if (entry.status === 200 && entry.value !== null && !entry.aborted) {
            run.successes += 1;
            run.sum += BigInt(entry.value);
        }
        run.firstReceivedAt ??= entry.receivedAt;
        run.lastReceivedAt = Math.max(run.lastReceivedAt ?? entry.receivedAt, entry.receivedAt);
        if (run.entries.length < this.limitPerRun)
            run.entries.push(entry);
        else
            run.truncated = true;
    }
    get(runId) {
        return this.runs.get(runId);
    }
    get runCount() {
        return this.runs.size;
    }
    clear() {
        this.runs.clear();
    }
}
