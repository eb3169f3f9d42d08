import { Effect } from "effect";
import { request } from "./servers.js";
export const fetchLedger = (simulatorUrl, runId) => Effect.map(request(new URL(`/__ledger/${runId}`, simulatorUrl)), (answer) => answer.status === 200 ? answer.json : undefined);
/**
 * Proves a run's count and sum exact against what the simulator answered. Successes answered
 * before `cutoff - margin` must all be counted; those answered at or after `cutoff` cannot have
 * arrived in time; for the few in between (answered just before the end, received around it) the
 * count and the sum must be matched by exactly one choice of them.
 */
export const matchLedger = (ledger, run, marginMs = 30) => {
    if (ledger.truncated)
        return { ok: false, reason: "ledger truncated", certain: 0, ambiguous: 0 };
    const successes = ledger.entries.filter((entry) => entry.status === 200 && !entry.aborted && entry.value !== null);
    const certain = successes.filter((entry) => entry.answeredAt < run.cutoff - marginMs);
    const ambiguous = successes.filter((entry) => entry.answeredAt >= run.cutoff - marginMs && entry.answeredAt < run.cutoff);
    const certainSum = certain.reduce((sum, entry) => sum + BigInt(entry.value), 0n);
    const needCount = run.count - certain.length;
    const needSum = run.sum - certainSum;
    const summary = { certain: certain.length, ambiguous: ambiguous.length };
    if (ambiguous.length > 20)
        return { ok: false, reason: "too many answers near the end to decide", ...summary };
    for (let mask = 0; mask < 1 << ambiguous.length; mask++) {
        let count = 0;
        let sum = 0n;
        for (let i = 0; i < ambiguous.length; i++) {
            if (mask & (1 << i)) {
                count += 1;
                sum += BigInt(ambiguous[i].value);
            }
        }
        if (count === needCount && sum === needSum)
            return { ok: true, reason: "matched", ...summary };
    }
    return {
        ok: false,
        reason: `count ${run.count} / sum ${run.sum} match no set of the ledger's successes (certain ${certain.length} with sum ${certainSum})`,
        ...summary
    };
};
