/**
 * `npm run bench:timeline -- --scenario=<name>`: one case of a bench scenario against the service,
 * shown over time from the simulator's ledger: how many requests the upstream held (sampled five
 * times per bucket), arrivals, 429s and successes per bucket, then each run's count and the
 * limiter's state. For seeing *when* throughput is lost (a start, a change of C, a run's end),
 * which the bench's totals do not show.
 *
 *   --scenario=changing_C50-20-80_L50_p70   a name from bench/scenarios.ts (required)
 *   --bucket=100                            bucket width in ms (default: one latency)
 *   --cold                                  no warm-up run before the case
 */
import { fetchLedger } from "./ledger.js";
import { awaitCount, pinSelf, postRun, resetSimulator, startService, startSimulator } from "./processes.js";
import { scenarios } from "./scenarios.js";
const flag = (name) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split("=")[1];
const name = flag("scenario");
const scenario = scenarios.find((candidate) => candidate.name === name);
if (scenario === undefined) {
    console.error(`--scenario=<name> is required, one of:\n  ${scenarios.map((candidate) => candidate.name).join("\n  ")}`);
    process.exit(2);
}
const latencyMs = Number(scenario.simulator["SIM_LATENCY_MS"] ?? "50");
const bucketMs = Number(flag("bucket") ?? String(Math.max(1, latencyMs)));
if (!Number.isFinite(bucketMs) || bucketMs <= 0) {
    console.error("--bucket must be a positive number of milliseconds");
    process.exit(2);
}
const cold = process.argv.includes("--cold") || scenario.cold === true;
pinSelf();
const simulator = await startSimulator(scenario);
const service = await startService(simulator.ready);
try {
    if (!cold)
        await awaitCount(service.ready, await postRun(service.ready, 2));
    await resetSimulator(simulator.ready);
    const ids = await Promise.all(Array.from({ length: scenario.runs ?? 1 }, () => postRun(service.ready, scenario.seconds)));
    const counts = await Promise.all(ids.map((id) => awaitCount(service.ready, id)));
    const entries = (await Promise.all(ids.map((id) => fetchLedger(simulator.ready, id)))).flatMap((ledger) => ledger.entries);
    const first = Math.min(...entries.map((entry) => entry.receivedAt));
    const accepted = entries.filter((entry) => entry.status !== 429);
    const heldAt = (at) => accepted.filter((entry) => entry.receivedAt <= at && entry.answeredAt > at).length;
    const pad = (value, width) => String(value).padStart(width);
    console.log(`${scenario.name}: ${cold ? "cold" : "after a 2 s warm-up run"}, ${ids.length} run(s), buckets of ${bucketMs} ms`);
    console.log("     ms  C  held (5 samples)      arrivals  429s  200s");
    for (let start = 0; start < scenario.seconds * 1000; start += bucketMs) {
        const inBucket = (at) => at - first >= start && at - first < start + bucketMs;
        const held = [0.1, 0.3, 0.5, 0.7, 0.9].map((share) => pad(heldAt(first + start + share * bucketMs), 4)).join("");
        const arrivals = entries.filter((entry) => inBucket(entry.receivedAt));
        const successes = entries.filter((entry) => entry.status === 200 && inBucket(entry.answeredAt)).length;
        console.log(`${pad(start, 7)} ${pad(scenario.limitAt(start), 3)} ${held}  ${pad(arrivals.length, 8)} ${pad(arrivals.filter((entry) => entry.status === 429).length, 5)} ${pad(successes, 5)}`);
    }
    console.log(`counted by the service: ${counts.join(" ")} (total ${counts.reduce((a, b) => a + b, 0)})`);
    for (const log of service.logs.filter((line) => line["message"] === "run finished").slice(-ids.length)) {
        console.log(`limiter at a run's end: ${JSON.stringify(log["annotations"]["upstreamLimit"])}`);
    }
}
finally {
    await service.kill();
    await simulator.kill();
}
