/**
 * npm run soak -- --minutes N [--report docs/SOAK.md] [--heap-snapshots] [--cpu-prof] [--pin] [--readers N] [--node-flags "..."]
 *
 * Starts the service as `npm start` does (the bundled simulator in its process, a fresh SQLite file)
 * with a probe loaded into it (scripts/soak-probe.mjs), and holds it saturated: runs always executing
 * and a full queue, 20 readers, /health polled, long polls and event streams. Every request loop is
 * bounded (each waits between requests) and goes to loopback only. Each minute it prints POST and
 * GET latency percentiles, /health latency, GC pauses, event-loop delay, RSS, heap, fds and
 * successes; at the end a summary judged against issue 13's targets, optionally written as markdown.
 * --heap-snapshots writes a heap snapshot after minute 2 and at the end (node --heapsnapshot-signal).
 * --cpu-prof writes the service's CPU profile to the work dir when it exits (bench/profile-summary.ts reads it).
 * --pin puts the service on CPU 0 and this load generator on CPU 1 (taskset), so that the latencies the
 * client measures are not its own turn on the service's core.
 * --readers N changes the number of readers (20), for experiments that take their share of the load away.
 * --node-flags passes extra Node/V8 flags to the service (e.g. "--max-semi-space-size=64"), for experiments.
 */
import { execFileSync, spawn } from "node:child_process"
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { monitorEventLoopDelay } from "node:perf_hooks"
import { fileURLToPath } from "node:url"
import { Worker } from "node:worker_threads"
import { Agent, request } from "undici"
import { soakSection, withSoakSection } from "../bench/soak-section.js"

const args = process.argv.slice(2)
const option = (name: string) => {
  const at = args.indexOf(`--${name}`)
  return at === -1 ? undefined : args[at + 1]
}
const minutes = Number(option("minutes") ?? 5)
const reportPath = option("report")
const heapSnapshots = args.includes("--heap-snapshots")
const cpuProfile = args.includes("--cpu-prof")
const pinned = args.includes("--pin")
const nodeFlags = (option("node-flags") ?? "").split(" ").filter((flag) => flag !== "")
if (!Number.isFinite(minutes) || minutes <= 0) {
  process.stderr.write("soak: --minutes must be a positive number\n")
  process.exit(2)
}
const READERS = Number(option("readers") ?? 20)
if (!Number.isInteger(READERS) || READERS < 0) {
  process.stderr.write("soak: --readers must be a whole number\n")
  process.exit(2)
}

const MAX_CONCURRENT_RUNS = 4
const MAX_PENDING_RUNS = 16
const RUN_SECONDS = 20
const READER_PAUSE_MS = 100
const HEALTH_EVERY_MS = 100
const LONG_POLLERS = 2
const STREAMS = 2

const root = fileURLToPath(new URL("..", import.meta.url))
const work = mkdtempSync(join(tmpdir(), "faulty-runs-soak-"))
const probeFile = join(work, "probe.jsonl")

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

// --- the service --------------------------------------------------------------------------------

if (pinned) execFileSync("taskset", ["-a", "-p", "-c", "1", String(process.pid)], { stdio: "ignore" })
const serviceCommand = [
  process.execPath,
  ...nodeFlags,
  "--import", "./scripts/soak-probe.mjs",
  ...(heapSnapshots ? ["--heapsnapshot-signal=SIGUSR2", `--diagnostic-dir=${work}`] : []),
  ...(cpuProfile ? ["--cpu-prof", `--cpu-prof-dir=${work}`] : []),
  "dist/main.mjs"
]
/** Starts `command` (on CPU 0 with --pin) and waits for the "Listening on" line it prints. */
const startListening = (what: string, command: ReadonlyArray<string>, env?: NodeJS.ProcessEnv) => {
  const started = spawn(pinned ? "taskset" : command[0]!, pinned ? ["-c", "0", ...command] : command.slice(1), {
    cwd: root,
    ...(env === undefined ? {} : { env }),
    stdio: ["ignore", "pipe", "inherit"]
  })
  const listening = new Promise<string>((resolve, reject) => {
    let pending = ""
    started.stdout!.on("data", (chunk) => {
      pending += chunk
      const match = /Listening on http:\/\/[^:]+:(\d+)/.exec(pending)
      if (match) resolve(`http://127.0.0.1:${match[1]}`)
      if (pending.length > 100_000) pending = pending.slice(-10_000)
    })
    started.once("exit", (code) => reject(new Error(`the ${what} exited with ${code} before it listened`)))
  })
  return { process: started, listening }
}

const service = startListening("service", serviceCommand, {
  ...process.env,
  PORT: "0",
  HOST: "127.0.0.1",
  DATABASE_URL: join(work, "runs.sqlite"),
  MAX_CONCURRENT_RUNS: String(MAX_CONCURRENT_RUNS),
  MAX_PENDING_RUNS: String(MAX_PENDING_RUNS),
  SOAK_PROBE_FILE: probeFile
})
const child = service.process
const base = await service.listening
// The service's own output (its log lines, any V8 traces asked for with --node-flags) is kept in the work dir.
const serviceLog = createWriteStream(join(work, "service.log"))
child.stdout!.pipe(serviceLog)

// The floor: a bare node:http server on the service's core, probed like the service (scripts/soak-floor-server.mjs).
const floor = startListening("floor server", [process.execPath, "scripts/soak-floor-server.mjs"])
const floorServer = floor.process
const floorBase = await floor.listening

// --- the load -----------------------------------------------------------------------------------

const agent = new Agent({ connections: 64, keepAliveTimeout: 10_000 })
let stopping = false

/** The main thread's load: what the readers saw (their latencies are reported, not judged). */
interface Minute {
  get: Array<number>
  statuses: Record<string, number>
  errors: number
}
const newMinute = (): Minute => ({ get: [], statuses: {}, errors: 0 })
let current = newMinute()

const timed = async (
  into: (minute: Minute) => Array<number>,
  path: string
): Promise<{ status: number; text: string } | undefined> => {
  const started = performance.now()
  try {
    const response = await request(base + path, { dispatcher: agent })
    const text = await response.body.text()
    into(current).push(performance.now() - started)
    current.statuses[response.statusCode] = (current.statuses[response.statusCode] ?? 0) + 1
    return { status: response.statusCode, text }
  } catch {
    if (!stopping) current.errors += 1
    return undefined
  }
}

const runIds: Array<string> = []
const inProgress = new Set<string>()

/** The POSTs and /health probes, whose latencies are judged, on their own thread (scripts/soak-timed-client.mjs). */
interface TimedMinute {
  readonly post: Array<number>
  readonly health: Array<number>
  readonly floorPost: Array<number>
  readonly floorHealth: Array<number>
  readonly statuses: Record<string, number>
  readonly errors: number
  readonly loopDelayMaxMs: number
}
const timedClient = new Worker(new URL("./soak-timed-client.mjs", import.meta.url), {
  workerData: { base, floorBase, runSeconds: RUN_SECONDS, healthEveryMs: HEALTH_EVERY_MS }
})
const timedMinutes: Array<(minute: TimedMinute) => void> = []
let timedClientStopped: () => void = () => {}
timedClient.on("message", (message: { created?: string; minute?: TimedMinute; stopped?: boolean }) => {
  if (message.created !== undefined) {
    runIds.push(message.created)
    if (runIds.length > 500) runIds.splice(0, runIds.length - 500)
  }
  if (message.minute !== undefined) timedMinutes.shift()?.(message.minute)
  if (message.stopped === true) timedClientStopped()
})
const timedMinute = () =>
  new Promise<TimedMinute>((resolve) => {
    timedMinutes.push(resolve)
    timedClient.postMessage("minute")
  })

const pick = () => runIds[Math.floor(Math.random() * runIds.length)]

const reader = async () => {
  await sleep(Math.random() * READER_PAUSE_MS)
  while (!stopping) {
    const id = pick()
    if (id !== undefined) {
      const answer = await timed((m) => m.get, `/runs/${id}`)
      if (answer?.status === 200) {
        const status = (JSON.parse(answer.text) as { status: string }).status
        if (status === "IN_PROGRESS") inProgress.add(id)
        else inProgress.delete(id)
      }
    }
    await sleep(READER_PAUSE_MS * (0.5 + Math.random()))
  }
}

const longPoller = async () => {
  while (!stopping) {
    const id = [...inProgress][0] ?? pick()
    if (id === undefined) await sleep(200)
    else {
      // A finished run answers at once: it leaves the set, or this loop would ask again without a pause.
      const answer = await timed(() => [], `/runs/${id}?wait=10`)
      if (answer === undefined || answer.status !== 200 || (JSON.parse(answer.text) as { status: string }).status === "FINISHED") {
        inProgress.delete(id)
        await sleep(100)
      }
    }
  }
}

const streamer = async () => {
  while (!stopping) {
    const id = [...inProgress].at(-1) ?? pick()
    if (id === undefined) {
      await sleep(200)
      continue
    }
    try {
      const response = await request(`${base}/runs/${id}/events`, { dispatcher: agent })
      for await (const _ of response.body) if (stopping) break
    } catch {}
    await sleep(100)
  }
}

// --- the figures --------------------------------------------------------------------------------

interface ProbeLine {
  readonly at: number
  readonly rss: number
  readonly heapUsed: number
  readonly fds: number
  readonly connectionsOpened?: number
  readonly gc: ReadonlyArray<{ readonly ms: number; readonly kind: string }>
  readonly loopDelayMs: { readonly p99: number; readonly max: number }
  readonly serverMs?: { readonly post: ReadonlyArray<number>; readonly health: ReadonlyArray<number> }
}
let probeRead = 0
const newProbeLines = (): Array<ProbeLine> => {
  let text = ""
  try {
    text = readFileSync(probeFile, "utf8")
  } catch {
    return []
  }
  const lines = text.split("\n").filter((line) => line !== "")
  const fresh = lines.slice(probeRead).map((line) => JSON.parse(line) as ProbeLine)
  probeRead = lines.length
  return fresh
}

const percentile = (values: ReadonlyArray<number>, p: number) => {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}
const ms = (value: number) => (Number.isNaN(value) ? "—" : value < 10 ? value.toFixed(1) : value.toFixed(0))

const successesSoFar = async () => {
  const answer = await timed(() => [], "/stats")
  return answer?.status === 200 ? (JSON.parse(answer.text) as { successful_responses_count: number }).successful_responses_count : Number.NaN
}

interface Row {
  readonly minute: number
  readonly load: number
  readonly postP50: number
  readonly postP99: number
  readonly postMax: number
  readonly getP50: number
  readonly getP99: number
  readonly healthP99: number
  readonly healthMax: number
  readonly healthOver50: number
  /** The bare node:http server's, probed the same way in the same minute: this machine's floor. */
  readonly floorPostP99: number
  readonly floorHealthMax: number
  readonly gcCount: number
  readonly gcMax: number
  readonly gcOver100: number
  readonly loopDelayMax: number
  /** The timed client's own event-loop delay: the POST and /health latencies it measured include it. */
  readonly clientLoopDelayMax: number
  /** The main thread's (readers, long polls, streams): the GET latencies include it. */
  readonly loadLoopDelayMax: number
  /** The service's own time over POST /runs and /health, from the probe (scripts/soak-probe.mjs). */
  readonly serverPostP99: number
  readonly serverHealthMax: number
  /** The mean and the largest of the minute's RSS samples (one every 5 s): RSS is a GC sawtooth, one sample says little. */
  readonly rssMiB: number
  readonly rssMaxMiB: number
  readonly heapMiB: number
  readonly fds: number
  /** TCP connections the service opened in the minute (its upstream client's). */
  readonly connectionsOpened: number
  readonly successesPerSecond: number
  readonly statuses: Record<string, number>
  readonly clientErrors: number
}
const rows: Array<Row> = []
/** Every POST latency from minute 2 on, the service's and the floor server's: the p99 over the whole soak. */
const steadyPost: Array<number> = []
const steadyFloorPost: Array<number> = []
const mergeCounts = (a: Record<string, number>, b: Record<string, number>) => {
  const merged = { ...a }
  for (const [key, n] of Object.entries(b)) merged[key] = (merged[key] ?? 0) + n
  return merged
}
const columns =
  "min  load  POST p50/p99/max ms  GET p50/p99 ms  /health p99/max >50ms  floor POST p99/health max  GC n/max/>100ms  loop max ms  timed/load loop  in service: POST p99/health max  RSS mean/max MiB  heap MiB  fds  connects  succ/s  answers"
process.stdout.write(`soak: ${minutes} min against ${base} (work dir ${work})\n${columns}\n`)

const workers = [
  ...Array.from({ length: READERS }, reader),
  ...Array.from({ length: LONG_POLLERS }, longPoller),
  ...Array.from({ length: STREAMS }, streamer)
]

const clientLoopDelay = monitorEventLoopDelay({ resolution: 10 })
clientLoopDelay.enable()
let previousSuccesses = await successesSoFar()
let previousAt = Date.now()
const snapshotsTaken: Array<string> = []
for (let minute = 1; minute <= minutes; minute++) {
  await sleep(Math.max(0, previousAt + 60_000 - Date.now()))
  const finished = current
  current = newMinute()
  const timedFinished = await timedMinute()
  const successes = await successesSoFar()
  const now = Date.now()
  const probes = newProbeLines()
  const pauses = probes.flatMap((line) => line.gc)
  const last = probes.at(-1)
  const row: Row = {
    minute,
    load: loadavg()[0]!,
    postP50: percentile(timedFinished.post, 50),
    postP99: percentile(timedFinished.post, 99),
    postMax: Math.max(...timedFinished.post),
    getP50: percentile(finished.get, 50),
    getP99: percentile(finished.get, 99),
    healthP99: percentile(timedFinished.health, 99),
    healthMax: Math.max(...timedFinished.health),
    healthOver50: timedFinished.health.filter((value) => value > 50).length,
    floorPostP99: percentile(timedFinished.floorPost, 99),
    floorHealthMax: Math.max(...timedFinished.floorHealth),
    gcCount: pauses.length,
    gcMax: Math.max(0, ...pauses.map((pause) => pause.ms)),
    gcOver100: pauses.filter((pause) => pause.ms > 100).length,
    loopDelayMax: Math.max(0, ...probes.map((line) => line.loopDelayMs.max)),
    clientLoopDelayMax: timedFinished.loopDelayMaxMs,
    loadLoopDelayMax: clientLoopDelay.max / 1e6,
    serverPostP99: percentile(probes.flatMap((line) => line.serverMs?.post ?? []), 99),
    serverHealthMax: Math.max(0, ...probes.flatMap((line) => line.serverMs?.health ?? [])),
    rssMiB: probes.length === 0 ? Number.NaN : probes.reduce((sum, line) => sum + line.rss, 0) / probes.length / 1024 / 1024,
    rssMaxMiB: Math.max(...probes.map((line) => line.rss)) / 1024 / 1024,
    heapMiB: last === undefined ? Number.NaN : last.heapUsed / 1024 / 1024,
    fds: last?.fds ?? Number.NaN,
    connectionsOpened: probes.reduce((sum, line) => sum + (line.connectionsOpened ?? 0), 0),
    successesPerSecond: ((successes - previousSuccesses) * 1000) / (now - previousAt),
    statuses: mergeCounts(finished.statuses, timedFinished.statuses),
    clientErrors: finished.errors + timedFinished.errors
  }
  rows.push(row)
  if (minute > 1) {
    steadyPost.push(...timedFinished.post)
    steadyFloorPost.push(...timedFinished.floorPost)
  }
  clientLoopDelay.reset()
  previousSuccesses = successes
  previousAt = now
  process.stdout.write(
    [
      String(minute).padStart(3),
      row.load.toFixed(2).padStart(5),
      `${ms(row.postP50)}/${ms(row.postP99)}/${ms(row.postMax)}`.padStart(19),
      `${ms(row.getP50)}/${ms(row.getP99)}`.padStart(15),
      `${ms(row.healthP99)}/${ms(row.healthMax)} ${row.healthOver50}`.padStart(21),
      `${ms(row.floorPostP99)}/${ms(row.floorHealthMax)}`.padStart(27),
      `${row.gcCount}/${ms(row.gcMax)}/${row.gcOver100}`.padStart(16),
      ms(row.loopDelayMax).padStart(12),
      `${ms(row.clientLoopDelayMax)}/${ms(row.loadLoopDelayMax)}`.padStart(15),
      `${ms(row.serverPostP99)}/${ms(row.serverHealthMax)}`.padStart(32),
      `${row.rssMiB.toFixed(0)}/${row.rssMaxMiB.toFixed(0)}`.padStart(8),
      row.heapMiB.toFixed(0).padStart(9),
      String(row.fds).padStart(4),
      String(row.connectionsOpened).padStart(9),
      row.successesPerSecond.toFixed(1).padStart(7),
      ` ${Object.entries(row.statuses).map(([status, n]) => `${status}:${n}`).join(" ")}${row.clientErrors > 0 ? ` failed:${row.clientErrors}` : ""}`
    ].join(" ") + "\n"
  )
  if (heapSnapshots && (minute === 2 || minute === minutes)) {
    child.kill("SIGUSR2")
    snapshotsTaken.push(`after minute ${minute}`)
  }
}

stopping = true
await new Promise<void>((resolve) => {
  timedClientStopped = resolve
  timedClient.postMessage("stop")
})
if (heapSnapshots) await sleep(5_000) // writing a snapshot stops the process for seconds
const stopAt = Date.now()
child.kill("SIGTERM")
floorServer.kill("SIGTERM")
const exitCode = await new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
const stopMs = Date.now() - stopAt
await Promise.race([Promise.allSettled(workers), sleep(2_000)])
await agent.destroy()

// --- the summary --------------------------------------------------------------------------------

const steady = rows.length > 2 ? rows.slice(1) : rows
const spread = (values: ReadonlyArray<number>) => {
  const low = Math.min(...values)
  const high = Math.max(...values)
  return { low, high, percent: low > 0 ? ((high - low) / low) * 100 : Number.NaN }
}
const rss = spread(steady.map((row) => row.rssMiB))
const rssPeaks = spread(steady.map((row) => row.rssMaxMiB))
const throughput = spread(steady.map((row) => row.successesPerSecond))
const postP99 = Math.max(...steady.map((row) => row.postP99))
const healthMax = Math.max(...steady.map((row) => row.healthMax))
const floorPostP99 = Math.max(...steady.map((row) => row.floorPostP99))
const floorHealthMax = Math.max(...steady.map((row) => row.floorHealthMax))
const verdict = (ok: boolean) => (ok ? "met" : "NOT met")
const summary = [
  `POST /runs p99 (worst minute from minute 2): ${ms(postP99)} ms, over all ${steadyPost.length} POSTs from minute 2: ${ms(percentile(steadyPost, 99))} ms; ` +
    `the bare node:http floor server probed alike: ${ms(floorPostP99)} ms and ${ms(percentile(steadyFloorPost, 99))} ms — target < 5 ms: ${verdict(postP99 < 5)}`,
  `/health slowest answer from minute 2: ${ms(healthMax)} ms (the floor server's: ${ms(floorHealthMax)} ms) — target ≤ 50 ms: ${verdict(healthMax <= 50)}`,
  `RSS from minute 2, per-minute means: ${rss.low.toFixed(0)}–${rss.high.toFixed(0)} MiB (${rss.percent.toFixed(1)} %), per-minute peaks: ${rssPeaks.low.toFixed(0)}–${rssPeaks.high.toFixed(0)} MiB (${rssPeaks.percent.toFixed(1)} %) — target ±5 % (a spread ≤ 10 %): ${verdict(rss.percent <= 10 && rssPeaks.percent <= 10)}`,
  `successes/s from minute 2: ${throughput.low.toFixed(1)}–${throughput.high.toFixed(1)} (${throughput.percent.toFixed(1)} %) — target ±5 % (a spread ≤ 10 %): ${verdict(throughput.percent <= 10)}`,
  `SIGTERM after the soak: exit ${exitCode} in ${stopMs} ms`,
  ...(heapSnapshots ? [`heap snapshots (${snapshotsTaken.join(", ")}): ${readdirSync(work).filter((f) => f.endsWith(".heapsnapshot")).map((f) => join(work, f)).join(", ")}`] : [])
]
process.stdout.write(`\n${summary.join("\n")}\n`)

if (reportPath !== undefined) {
  const table = [
    "| min | load | POST p50 / p99 / max ms | GET p50 / p99 ms | /health p99 / max ms (> 50 ms) | floor: POST p99 / /health max ms | GC pauses n / max ms (> 100 ms) | loop delay max ms | the timed client's / the load's own loop delay max ms | in the service: POST p99 / /health max ms | RSS mean / max MiB | heap MiB | fds | connections opened | successes/s |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map(
      (row) =>
        `| ${row.minute} | ${row.load.toFixed(2)} | ${ms(row.postP50)} / ${ms(row.postP99)} / ${ms(row.postMax)} | ${ms(row.getP50)} / ${ms(row.getP99)} | ` +
        `${ms(row.healthP99)} / ${ms(row.healthMax)} (${row.healthOver50}) | ${ms(row.floorPostP99)} / ${ms(row.floorHealthMax)} | ${row.gcCount} / ${ms(row.gcMax)} (${row.gcOver100}) | ${ms(row.loopDelayMax)} | ${ms(row.clientLoopDelayMax)} / ${ms(row.loadLoopDelayMax)} | ${ms(row.serverPostP99)} / ${ms(row.serverHealthMax)} | ` +
        `${row.rssMiB.toFixed(0)} / ${row.rssMaxMiB.toFixed(0)} | ${row.heapMiB.toFixed(0)} | ${row.fds} | ${row.connectionsOpened} | ${row.successesPerSecond.toFixed(1)} |`
    )
  ]
  const section = [
    `## Soak of ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC: ${minutes} min`,
    "",
    `\`npm run soak -- --minutes ${minutes}${pinned ? " --pin" : ""}${nodeFlags.length > 0 ? ` --node-flags "${nodeFlags.join(" ")}"` : ""}\`: ` +
      `${pinned ? "the service on CPU 0, this load generator on CPU 1; " : ""}${MAX_CONCURRENT_RUNS} runs of ${RUN_SECONDS} s always executing and ${MAX_PENDING_RUNS} queued ` +
      `(a POST 100 ms after each 202, 500 ms after each 429: about 2 a second once the queue is full), ${READERS} readers (GET /runs/{id} about every ${READER_PAUSE_MS} ms, at independent phases), /health every ${HEALTH_EVERY_MS} ms, ` +
      `${LONG_POLLERS} long polls, ${STREAMS} event streams, the POSTs and /health sent from a thread of their own and a bare node:http floor server ` +
      `${pinned ? "on CPU 0 " : ""}probed alike; the bundled simulator's defaults. Load average at the start ${rows[0]?.load.toFixed(2)}, ` +
      `at the end ${rows.at(-1)?.load.toFixed(2)} (2 cores).`,
    "",
    ...table,
    "",
    ...summary.map((line) => `- ${line}`),
    ""
  ].join("\n")
  let existing = ""
  try {
    existing = readFileSync(reportPath, "utf8")
  } catch {
    existing = "# Soak runs\n\nWritten by `npm run soak -- --minutes N --report docs/SOAK.md`; newest first.\n\n"
  }
  const [head, ...rest] = existing.split(/^(?=## )/m)
  const written = [head, section, ...rest].join("\n").replace(/\n{3,}/g, "\n\n")
  writeFileSync(reportPath, written)
  process.stdout.write(`written to ${reportPath}\n`)
  // A long soak is issue 13's measure: docs/BENCHMARKS.md shows its judged targets too.
  const benchmarksPath = join(root, "docs", "BENCHMARKS.md")
  if (minutes >= 30 && join(root, "docs", "SOAK.md") === resolve(reportPath)) {
    writeFileSync(benchmarksPath, withSoakSection(readFileSync(benchmarksPath, "utf8"), soakSection(written)))
    process.stdout.write(`and its summary to ${benchmarksPath}\n`)
  }
}
process.exit(0)
