export const fetchLedger = async (simulator, runId) => {
    const response = await fetch(new URL(`/__ledger/${encodeURIComponent(runId)}`, simulator));
    if (response.status === 404)
        return { requests: 0, successes: 0, rejected: 0, pHat: 0, latencyMs: 0, entries: [] };
    const ledger = (await response.json());
    const accepted = ledger.entries.filter((entry) => entry.status !== 429);
    const successes = accepted.filter((entry) => entry.status === 200).length;
    const latency = accepted.reduce((total, entry) => total + (entry.answeredAt - entry.receivedAt), 0);
    return {
        requests: ledger.requests,
        successes,
        rejected: ledger.entries.length - accepted.length,
        pHat: accepted.length === 0 ? 0 : successes / accepted.length,
        latencyMs: accepted.length === 0 ? 0 : latency / accepted.length,
        entries: ledger.entries
    };
};
/**
 * Milliseconds from the first request until the upstream first held `level` accepted requests at
 * once (from the ledger's receive and answer times), or undefined if it never did.
 */
export const timeToConcurrency = (entries, level) => {
    const accepted = entries.filter((entry) => entry.status !== 429);
    if (accepted.length === 0)
        return undefined;
    let first = Number.POSITIVE_INFINITY;
    for (const entry of entries)
        first = Math.min(first, entry.receivedAt);
    const events = accepted.flatMap((entry) => [
        { at: entry.receivedAt, delta: 1 },
        { at: entry.answeredAt, delta: -1 }
    ]);
    // Answers before arrivals at the same millisecond: a slot handed over is not two requests.
    events.sort((a, b) => a.at - b.at || a.delta - b.delta);
    let held = 0;
    for (const event of events) {
        held += event.delta;
        if (held >= level)
            return event.at - first;
    }
    return undefined;
};
