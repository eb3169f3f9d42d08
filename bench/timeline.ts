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
 *   --json=out.json                         also write the buckets as JSON
 *   --svg=docs/out.svg                      also draw them (bench/timelinePlot.ts)
 *
 * A scenario's own conditions apply: a cold one starts a fresh process, a `learnedAt` one warms up
 * at that C first, a `busy` one spins a process on the service's core for the whole case.
 */
import { fetchLedger } from "./ledger.js"
import { type TimelineBucket, timelineSvg } from "./timelinePlot.js"
import { writeFileSync } from "node:fs"
import { awaitCount, pinSelf, postRun, resetSimulator, startBusyProcess, startService, startSimulator } from "./processes.js"
import { scenarios } from "./scenarios.js"

const flag = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split("=")[1]
const name = flag("scenario")
const scenario = scenarios.find((candidate) => candidate.name === name)
if (scenario === undefined) {
  console.error(`--scenario=<name> is required, one of:\n  ${scenarios.map((candidate) => candidate.name).join("\n  ")}`)
  process.exit(2)
}
const latencyMs = Number(scenario.simulator["SIM_LATENCY_MS"] ?? "50")
const bucketMs = Number(flag("bucket") ?? String(Math.max(1, latencyMs)))
if (!Number.isFinite(bucketMs) || bucketMs <= 0) {
  console.error("--bucket must be a positive number of milliseconds")
  process.exit(2)
}
const cold = process.argv.includes("--cold") || scenario.cold === true

const jsonPath = flag("json")
const svgPath = flag("svg")

pinSelf()
const simulator = await startSimulator(scenario)
const busy = scenario.busy === true ? await startBusyProcess() : undefined
const service = await startService(simulator.ready)
try {
  if (scenario.learnedAt !== undefined) await resetSimulator(simulator.ready, scenario.learnedAt)
  if (!cold || scenario.learnedAt !== undefined) await awaitCount(service.ready, await postRun(service.ready, 2))
  await resetSimulator(simulator.ready)
  const ids = await Promise.all(Array.from({ length: scenario.runs ?? 1 }, () => postRun(service.ready, scenario.seconds)))
  // The limiter's limit over time, from the service's own gauge (a scrape costs it well under a millisecond).
  // Its event-loop lag too (prom-client's histogram starts afresh at every scrape): our own delay,
  // which the ledger's upstream latency does not contain.
  const limitTrace: Array<{ at: number; limit: number; lagMaxMs: number }> = []
  let tracing = true
  const trace = (async () => {
    while (tracing) {
      const text = await (await fetch(new URL("/metrics", service.ready))).text()
      const match = /^faulty_runs_upstream_concurrency_limit (\d+)/m.exec(text)
      const lag = /^nodejs_eventloop_lag_max_seconds ([\d.e+-]+)/m.exec(text)
      if (match !== null) limitTrace.push({ at: Date.now(), limit: Number(match[1]), lagMaxMs: lag === null ? 0 : Number(lag[1]) * 1000 })
      await new Promise((done) => setTimeout(done, Math.max(5, bucketMs / 5)))
    }
  })()
  const counts = await Promise.all(ids.map((id) => awaitCount(service.ready, id)))
  tracing = false
  await trace
  const entries = (await Promise.all(ids.map((id) => fetchLedger(simulator.ready, id)))).flatMap((ledger) => ledger.entries)
  const first = Math.min(...entries.map((entry) => entry.receivedAt))
  const accepted = entries.filter((entry) => entry.status !== 429)
  const heldAt = (at: number) => accepted.filter((entry) => entry.receivedAt <= at && entry.answeredAt > at).length
  const pad = (value: number, width: number) => String(value).padStart(width)
  console.log(`${scenario.name}: ${cold ? "cold" : "after a 2 s warm-up run"}, ${ids.length} run(s), buckets of ${bucketMs} ms`)
  console.log("     ms  C  held (5 samples)      arrivals  429s  200s  limit  lag_max_ms")
  const limitAt = (at: number) => limitTrace.filter((sample) => sample.at <= at).at(-1)?.limit
  const lagIn = (from: number, to: number) =>
    Math.max(0, ...limitTrace.filter((sample) => sample.at > from && sample.at <= to).map((sample) => sample.lagMaxMs))
  const buckets: Array<TimelineBucket> = []
  for (let start = 0; start < scenario.seconds * 1000; start += bucketMs) {
    const inBucket = (at: number) => at - first >= start && at - first < start + bucketMs
    const held = [0.1, 0.3, 0.5, 0.7, 0.9].map((share) => heldAt(first + start + share * bucketMs))
    const arrivals = entries.filter((entry) => inBucket(entry.receivedAt))
    const rejected = arrivals.filter((entry) => entry.status === 429).length
    const successes = entries.filter((entry) => entry.status === 200 && inBucket(entry.answeredAt)).length
    const serviceLimit = limitAt(first + start + bucketMs)
    const lagMaxMs = lagIn(first + start, first + start + bucketMs)
    buckets.push({ atMs: start, limit: scenario.limitAt(start), held, arrivals: arrivals.length, rejected, successes, serviceLimit, lagMaxMs })
    console.log(
      `${pad(start, 7)} ${pad(scenario.limitAt(start), 3)} ${held.map((n) => pad(n, 4)).join("")}  ${pad(arrivals.length, 8)} ${pad(rejected, 5)} ${pad(successes, 5)} ${pad(serviceLimit ?? 0, 6)} ${pad(Math.round(lagMaxMs), 11)}`
    )
  }
  if (jsonPath !== undefined) {
    writeFileSync(jsonPath, JSON.stringify({ scenario: scenario.name, cold, bucketMs, counts, buckets }, null, 1))
    console.log(`wrote ${jsonPath}`)
  }
  if (svgPath !== undefined) {
    const total = counts.reduce((a, b) => a + b, 0)
    const title = `${scenario.name}${cold ? " (fresh process)" : ""}: ${total} successes counted`
    writeFileSync(svgPath, timelineSvg(title, bucketMs, buckets))
    console.log(`wrote ${svgPath}`)
  }
  console.log(`counted by the service: ${counts.join(" ")} (total ${counts.reduce((a, b) => a + b, 0)})`)
  for (const log of service.logs.filter((line) => line["message"] === "run finished").slice(-ids.length)) {
    console.log(`limiter at a run's end: ${JSON.stringify((log["annotations"] as Record<string, unknown>)["upstreamLimit"])}`)
  }
} finally {
  await service.kill()
  await busy?.stop()
  await simulator.kill()
}
