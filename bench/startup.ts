/**
 * `npm run bench:startup` (and the startup section of `npm run bench`): how long the built service takes
 * from spawn to its first `/health` 200, with the bundled simulator and with FAULTY_SERVER_URL set, and how
 * long `faulty-runs --help` and `faulty-runs get <id>` take, each the median of several runs and a ratio
 * to `node -e 0` measured in the same run (what Node alone costs on this machine right now).
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { request } from "node:http"
import { createServer } from "node:net"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
// @ts-expect-error: a plain ES module of the build, without types
import { build, staleReason } from "../scripts/build.mjs"

const root = fileURLToPath(new URL("..", import.meta.url))
const SERVICE_TARGET_MS = 1_000
const CLI_TARGET_MS = 400

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0))
    })
  })

const getStatus = (url: string) =>
  new Promise<{ status: number; body: string }>((resolve) => {
    const req = request(url, { agent: false }, (res) => {
      let body = ""
      res.setEncoding("utf8")
      res.on("data", (chunk) => (body += chunk))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on("error", () => resolve({ status: 0, body: "" }))
    req.end()
  })

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode ?? child.signalCode ?? -1)
    : new Promise<number | string>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)))

const spawnNode = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  spawn(process.execPath, [...args], { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })

/** Wall time of `node <args>` from spawn to exit; fails on a non-zero exit. */
const timeToExit = async (args: ReadonlyArray<string>) => {
  const started = performance.now()
  const child = spawnNode(args)
  let stderr = ""
  child.stderr!.on("data", (chunk) => (stderr += chunk))
  child.stdout!.resume()
  const code = await exited(child)
  const elapsed = performance.now() - started
  if (code !== 0) throw new Error(`node ${args.join(" ")} exited with ${code}: ${stderr}`)
  return elapsed
}

interface RunningService {
  readonly base: string
  readonly readyMs: number
  readonly stop: () => Promise<void>
}

/** Spawns `node dist/main.mjs` on a free port (a fresh database unless one is given) and polls `/health` until it answers 200. */
const startService = async (env: Record<string, string>): Promise<RunningService & { readonly child: ChildProcess }> => {
  const port = await freePort()
  const directory = mkdtempSync(join(tmpdir(), "faulty-runs-startup-"))
  const base = `http://127.0.0.1:${port}`
  const started = performance.now()
  const child = spawnNode(["dist/main.mjs"], {
    PORT: String(port),
    HOST: "127.0.0.1",
    DATABASE_URL: join(directory, "runs.sqlite"),
    ...env
  })
  let stderr = ""
  child.stderr!.on("data", (chunk) => (stderr += chunk))
  child.stdout!.resume()
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
    await exited(child).catch(() => undefined)
    rmSync(directory, { recursive: true, force: true })
  }
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}: ${stderr}`)
    if ((await getStatus(`${base}/health`)).status === 200) return { base, readyMs: performance.now() - started, stop, child }
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

const startSimulator = async () => {
  const port = await freePort()
  const child = spawnNode(["dist/simulator.mjs"], { SIM_PORT: String(port), SIM_HOST: "127.0.0.1" })
  child.stdout!.resume()
  child.stderr!.resume()
  const url = `http://127.0.0.1:${port}`
  for (let tries = 0; (await getStatus(`${url}/`)).status === 0; tries++) {
    if (tries > 2_000 || child.exitCode !== null) throw new Error("the simulator did not start")
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  return { url, stop: () => (child.kill("SIGKILL"), exited(child)) }
}

const postJson = (url: string, body: string) =>
  new Promise<string>((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { "content-type": "application/json" } }, (res) => {
      let text = ""
      res.on("data", (chunk) => (text += chunk))
      res.on("end", () => resolve(text))
    })
    req.on("error", reject)
    req.end(body)
  })

const RESUME_AHEAD_MS = 3_000

/**
 * SIGTERM while a run's end is 3 s ahead, then a new process on the same database: the time from the
 * signal to the new process's first /health 200 (it has recovered its runs by then), and whether the
 * run came back IN_PROGRESS (resumed) rather than FINISHED (its end passed during the restart).
 */
const measureRestart = async (upstream: string) => {
  const directory = mkdtempSync(join(tmpdir(), "faulty-runs-restart-"))
  const env = { FAULTY_SERVER_URL: upstream, DATABASE_URL: join(directory, "runs.sqlite") }
  const first = await startService(env)
  try {
    const run = JSON.parse(await postJson(`${first.base}/runs`, '{"seconds": 4}')) as { id: string }
    let endsAt: number | undefined
    while (endsAt === undefined) {
      const view = JSON.parse((await getStatus(`${first.base}/runs/${run.id}`)).body) as { ends_at: string | null }
      if (view.ends_at !== null) endsAt = Date.parse(view.ends_at)
      else await new Promise((resolve) => setTimeout(resolve, 5))
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, endsAt - RESUME_AHEAD_MS - Date.now())))
    const signalled = performance.now()
    first.child.kill("SIGTERM")
    await exited(first.child)
    const second = await startService(env)
    const gapMs = performance.now() - signalled
    const status = (JSON.parse((await getStatus(`${second.base}/runs/${run.id}`)).body) as { status: string }).status
    await second.stop()
    return { gapMs, resumed: status === "IN_PROGRESS" }
  } finally {
    await first.stop()
    rmSync(directory, { recursive: true, force: true })
  }
}

export interface StartupFigure {
  readonly name: string
  readonly medianMs: number
  readonly samplesMs: ReadonlyArray<number>
  readonly targetMs: number | undefined
}

export interface StartupReport {
  readonly figures: ReadonlyArray<StartupFigure>
  readonly nodeMs: number
  /** Restarts after which the run whose end was 3 s ahead was IN_PROGRESS again. */
  readonly resumed: number
  readonly loadBefore: ReadonlyArray<number>
  readonly loadAfter: ReadonlyArray<number>
}

/** Measures every start-up figure `samples` times, interleaved so that load changes touch all alike. */
export const measureStartup = async (samples = 7): Promise<StartupReport> => {
  const reason = staleReason() as string | undefined
  if (reason !== undefined) {
    process.stderr.write(`building dist/ first (${reason})\n`)
    await build()
  }
  const loadBefore = loadavg()
  const simulator = await startSimulator()
  const target = await startService({ FAULTY_SERVER_URL: simulator.url })
  const created = JSON.parse(await postJson(`${target.base}/runs`, '{"seconds": 1}')) as { id: string }
  const samplesOf: Record<string, Array<number>> = {
    node: [],
    bundled: [],
    upstream: [],
    help: [],
    get: [],
    restart: []
  }
  let resumed = 0
  try {
    // One unmeasured round first: the page cache and any compile cache start warm, as on a second start.
    for (let round = 0; round <= samples; round++) {
      const measured = round > 0
      const node = await timeToExit(["-e", "0"])
      const bundled = await startService({})
      await bundled.stop()
      const upstream = await startService({ FAULTY_SERVER_URL: simulator.url })
      await upstream.stop()
      const help = await timeToExit(["bin/faulty-runs.mjs", "--help"])
      const get = await timeToExit(["bin/faulty-runs.mjs", "get", created.id, "--url", target.base])
      if (!measured) continue
      const restart = await measureRestart(simulator.url)
      samplesOf["restart"]!.push(restart.gapMs)
      if (restart.resumed) resumed++
      samplesOf["node"]!.push(node)
      samplesOf["bundled"]!.push(bundled.readyMs)
      samplesOf["upstream"]!.push(upstream.readyMs)
      samplesOf["help"]!.push(help)
      samplesOf["get"]!.push(get)
    }
  } finally {
    await target.stop()
    await simulator.stop()
  }
  const figure = (key: string, name: string, targetMs: number | undefined): StartupFigure => ({
    name,
    medianMs: median(samplesOf[key]!),
    samplesMs: samplesOf[key]!,
    targetMs
  })
  return {
    figures: [
      figure("bundled", "service: spawn → first /health 200, bundled simulator", SERVICE_TARGET_MS),
      figure("upstream", "service: spawn → first /health 200, FAULTY_SERVER_URL set", SERVICE_TARGET_MS),
      figure("help", "faulty-runs --help", CLI_TARGET_MS),
      figure("get", "faulty-runs get <id>", CLI_TARGET_MS),
      figure("restart", "restart: SIGTERM → new process's first /health 200", RESUME_AHEAD_MS)
    ],
    resumed,
    nodeMs: median(samplesOf["node"]!),
    loadBefore,
    loadAfter: loadavg()
  }
}

const load = (values: ReadonlyArray<number>) => values.map((value) => value.toFixed(2)).join(" ")

/** The report's lines: one per figure with its median, its ratio to `node -e 0` and its target. */
export const formatStartup = (report: StartupReport): ReadonlyArray<string> => [
  `startup (${report.figures[0]!.samplesMs.length} runs each, medians; Node ${process.version}; load average ${load(report.loadBefore)} before, ${load(report.loadAfter)} after)`,
  `  node -e 0                                                  ${report.nodeMs.toFixed(0).padStart(5)} ms`,
  ...report.figures.map((figure) => {
    const met = figure.targetMs === undefined ? "" : figure.medianMs <= figure.targetMs ? "met   " : "MISSED"
    const target = figure.targetMs === undefined ? "" : `  target ≤ ${figure.targetMs} ms ${met}`
    return `  ${figure.name.padEnd(58)} ${figure.medianMs.toFixed(0).padStart(5)} ms  ×${(figure.medianMs / report.nodeMs).toFixed(1).padEnd(5)}${target}  (${figure.samplesMs.map((ms) => ms.toFixed(0)).join(" ")})`
  }),
  `  a run whose end was ${RESUME_AHEAD_MS / 1000} s ahead at the SIGTERM was resumed after ${report.resumed} of ${report.figures[0]!.samplesMs.length} restarts`
]

const STARTUP_REPORT = new URL("../docs/BENCHMARKS-startup.md", import.meta.url)

/**
 * docs/BENCHMARKS-startup.md keeps one section per Node major (the full bench measures the Node it
 * runs on; run `npm run bench:startup` under another Node to add its section): this run's replaces
 * the section of its own major and leaves the others as they were.
 */
const recordStartup = (lines: ReadonlyArray<string>) => {
  const major = process.version.split(".")[0]!
  const heading = `## Node ${major}`
  const section = `${heading} (${process.version}, ${new Date().toISOString().slice(0, 16)}Z)\n\n\`\`\`\n${lines.join("\n")}\n\`\`\`\n`
  let sections: Array<string> = []
  try {
    sections = readFileSync(STARTUP_REPORT, "utf8").split(/^(?=## Node )/m).slice(1)
  } catch {}
  sections = [...sections.filter((old) => !old.startsWith(`${heading} `)), section].sort()
  const intro =
    "# Start-up figures per Node version\n\nWritten by `npm run bench:startup` (bench/startup.ts), one section per Node major: " +
    "spawn → first `/health` 200 of the built service, the built CLI's wall time, and a SIGTERM + restart, " +
    "each the median of several runs with its ratio to `node -e 0` measured in the same run.\n\n"
  writeFileSync(STARTUP_REPORT, intro + sections.map((text) => text.trimEnd() + "\n").join("\n"))
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const samples = Number(process.argv.find((arg) => arg.startsWith("--runs="))?.split("=")[1] ?? "7")
  const lines = formatStartup(await measureStartup(samples))
  for (const line of lines) console.log(line)
  recordStartup(lines)
  console.log(`wrote ${fileURLToPath(STARTUP_REPORT)}`)
}
