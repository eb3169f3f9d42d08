/**
 * npm run bench:replicas — several replicas on one PostgreSQL against one simulator limit C.
 *
 * 1. POST /runs latency (p50/p99) on one service process, SQLite and PostgreSQL.
 * 2. 1, 2 and 3 replicas executing RUNS runs together (MAX_CONCURRENT_RUNS=RUNS, global) against one
 *    simulator with limit C: their total successes against the oracle (one client holding exactly C
 *    in flight for the same time), and the 429s per success. Each replica runs its own limiter.
 */
import { randomUUID } from "node:crypto"
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import pg from "pg"
import { simulatorUrl, startNodeProcess } from "../test/support/childProcess.js"
import { closedLoop, fixedWindow } from "./clients.js"
import { awaitCount, postRun, processCpuMs, resetSimulator, startService } from "./processes.js"

const POST_SECTION = "## POST /runs latency"

const base = process.env["TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test"
const C = Number(process.env["BENCH_C"] ?? 24)
const SECONDS = Number(process.env["BENCH_SECONDS"] ?? 8)
const RUNS = 3
const POSTS = Number(process.env["BENCH_POSTS"] ?? 300)
// e.g. BENCH_PARTS=post-sqlite to measure only that (also on an older checkout, for a before/after)
const parts = new Set((process.env["BENCH_PARTS"] ?? "post-sqlite,post-pg,replicas").split(","))

const admin = async (text: string) => {
  const client = new pg.Client({ connectionString: base })
  await client.connect()
  try {
    await client.query(text)
  } finally {
    await client.end()
  }
}

const schemaUrl = (schema: string) => {
  const url = new URL(base)
  url.searchParams.set("options", `-c search_path=${schema}`)
  return url.toString()
}

// Not pinned: the replicas share both cores with the simulator, as processes on one host do.
const service = (databaseUrl: string, upstream: URL, extra: Record<string, string> = {}) =>
  startService(
    upstream,
    { DATABASE_URL: databaseUrl, MAX_CONCURRENT_RUNS: String(RUNS), MAX_PENDING_RUNS: "1000000", ...extra },
    undefined
  )

const percentile = (sorted: ReadonlyArray<number>, q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!

/** POSTs one after another (each a 1 s run, into a queue that never fills); milliseconds per answer. */
const postLatency = async (target: URL) => {
  for (let i = 0; i < 20; i++) await postRun(target, 1) // warm-up
  const times: Array<number> = []
  for (let i = 0; i < POSTS; i++) {
    const sentAt = performance.now()
    await postRun(target, 1)
    times.push(performance.now() - sentAt)
  }
  times.sort((a, b) => a - b)
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99) }
}

const withSchema = async <A>(use: (url: string) => Promise<A>) => {
  const schema = `bench_${randomUUID().replaceAll("-", "")}`
  await admin(`CREATE SCHEMA ${schema}`)
  try {
    return await use(schemaUrl(schema))
  } finally {
    await admin(`DROP SCHEMA ${schema} CASCADE`)
  }
}

const ledgerTotals = async (simulator: URL, ids: ReadonlyArray<string>) => {
  let rejected = 0
  for (const id of ids) {
    const ledger = (await (await fetch(new URL(`/__ledger/${id}`, simulator))).json()) as { byStatus: Record<string, number> }
    rejected += ledger.byStatus["429"] ?? 0
  }
  return rejected
}

/** A replica's own limiter as its /metrics tells it: the limit in force, its attempts and its 429s. */
const limiterOf = async (service: URL) => {
  const text = await (await fetch(new URL("/metrics", service))).text()
  const value = (pattern: RegExp) => text.split("\n").filter((line) => pattern.test(line)).reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0)
  const limit = value(/^faulty_runs_upstream_concurrency_limit /)
  const attempts = value(/^faulty_runs_upstream_attempts_total\{/)
  const rejected = value(/^faulty_runs_upstream_attempts_total\{outcome="429"\}/)
  return `${limit}/${attempts}/${rejected}`
}

const main = async () => {
  const load = (await import("node:os")).loadavg().map((value) => value.toFixed(2)).join(" ")
  const sim = await startNodeProcess({
    entry: "dist/simulator.mjs",
    env: { SIM_PORT: "0", SIM_SEED: "11", SIM_CONCURRENCY_LIMIT: String(C), SIM_LEDGER_LIMIT: "10" },
    ready: simulatorUrl
  })
  const lines: Array<string> = [`load average at start: ${load}; C=${C}, ${RUNS} runs of ${SECONDS} s, latency 50±25 ms, p≈0.8`]
  try {
    // 1. POST latency.
    if (parts.has("post-sqlite")) {
      const sqlite = await service(join(mkdtempSync(join(tmpdir(), "bench-replicas-")), "runs.sqlite"), sim.ready)
      try {
        const { p50, p99 } = await postLatency(sqlite.ready)
        lines.push(`POST /runs, SQLite, ${POSTS} sequential: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`)
      } finally {
        await sqlite.kill("SIGKILL")
      }
    }
    if (parts.has("post-pg")) await withSchema(async (url) => {
      const one = await service(url, sim.ready)
      try {
        const { p50, p99 } = await postLatency(one.ready)
        lines.push(`POST /runs, PostgreSQL, ${POSTS} sequential: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`)
      } finally {
        await one.kill("SIGKILL")
      }
    })

    // 2. Throughput of 1, 2, 3 replicas against one C.
    if (!parts.has("replicas")) return void process.stdout.write(`\n${lines.join("\n")}\n`)
    await resetSimulator(sim.ready)
    const oracle = await closedLoop({ url: sim.ready, runId: "oracle", seconds: SECONDS, window: fixedWindow(() => C), maxInFlight: C })
    lines.push(`oracle (exactly C in flight): ${oracle.successes} successes in ${SECONDS} s`)
    for (const count of [1, 2, 3]) {
      await resetSimulator(sim.ready)
      const result = await withSchema(async (url) => {
        const replicas = await Promise.all(Array.from({ length: count }, (_, i) => service(url, sim.ready, { REPLICA_ID: `r${i + 1}` })))
        try {
          const cpuAtStart = replicas.map((replica) => processCpuMs(replica.child.pid!))
          const simulatorCpuAtStart = processCpuMs(sim.child.pid!)
          const startedAt = performance.now()
          const ids = await Promise.all(Array.from({ length: RUNS }, (_, i) => postRun(replicas[i % count]!.ready, SECONDS)))
          const counts = await Promise.all(ids.map((id) => awaitCount(replicas[0]!.ready, id)))
          // The CPU the replicas and the simulator used, in cores: on two cores, several replicas, the
          // simulator and PostgreSQL can take all of it, and a replica waiting for a core is late to
          // refill the slots its answers freed.
          const elapsedMs = performance.now() - startedAt
          const cores = (used: number) => (used / elapsedMs).toFixed(2)
          const replicaCores = replicas.map((replica, i) => cores(processCpuMs(replica.child.pid!) - cpuAtStart[i]!))
          const simulatorCores = cores(processCpuMs(sim.child.pid!) - simulatorCpuAtStart)
          const successes = counts.reduce((a, b) => a + b, 0)
          const rejected = await ledgerTotals(sim.ready, ids)
          const limiters = await Promise.all(replicas.map((replica) => limiterOf(replica.ready)))
          return { successes, rejected, counts, limiters, replicaCores, simulatorCores }
        } finally {
          await Promise.all(replicas.map((replica) => replica.kill("SIGTERM")))
        }
      })
      lines.push(
        `${count} replica(s): total ${result.successes} successes = ${(result.successes / oracle.successes).toFixed(3)} of the oracle, ` +
          `${(result.rejected / Math.max(1, result.successes)).toFixed(3)} 429s per success (runs: ${result.counts.join(", ")}; ` +
          `each replica's limit at the end / attempts / 429s: ${result.limiters.join(", ")}; ` +
          `CPU in cores: replicas ${result.replicaCores.join(", ")}, simulator ${result.simulatorCores})`
      )
      process.stdout.write(`${lines.at(-1)}\n`)
    }
  } finally {
    await sim.kill("SIGKILL")
  }
  lines.push(`load average at end: ${(await import("node:os")).loadavg().map((value) => value.toFixed(2)).join(" ")}`)
  process.stdout.write(`\n${lines.join("\n")}\n`)
  // The POST latency section is written by hand from BENCH_PARTS=post-sqlite,post-pg runs: kept as it is.
  const reportFile = new URL("../docs/BENCHMARKS-replicas.md", import.meta.url)
  const previous = existsSync(reportFile) ? readFileSync(reportFile, "utf8") : ""
  const kept = previous.includes(POST_SECTION) ? previous.slice(previous.indexOf(POST_SECTION)) : ""
  const report = [
    "# Benchmark: several replicas on one PostgreSQL",
    "",
    "Written by `npm run bench:replicas` (bench/replicas.ts). Every replica, the simulator and PostgreSQL on this one machine.",
    "",
    ...lines.map((line) => `- ${line}`),
    "",
    kept
  ].join("\n")
  writeFileSync(reportFile, report)
  process.stdout.write("wrote docs/BENCHMARKS-replicas.md\n")
}

await main()
