/** The bench's processes: the simulator and the service, each pinned to its own core, and their HTTP. */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { listeningUrl, simulatorUrl, startNodeProcess } from "../test/support/childProcess.js"
import type { Scenario } from "./scenarios.js"

export const SERVICE_CORE = "0"
export const SIMULATOR_CORE = "1"

/** CPU time (ms) a process has used, from /proc (clock ticks of 10 ms). */
export const processCpuMs = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
  return (Number(fields[11]) + Number(fields[12])) * 10
}

export const pinSelf = () => {
  try {
    execFileSync("taskset", ["-pc", SERVICE_CORE, String(process.pid)], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
}

export const startSimulator = (scenario: Scenario) =>
  startNodeProcess({
    entry: "dist/simulator.mjs",
    env: { SIM_PORT: "0", SIM_SEED: "11", SIM_LEDGER_LIMIT: "5000000", ...scenario.simulator },
    ready: simulatorUrl,
    cpus: SIMULATOR_CORE
  })

/**
 * The service as a fresh process, built, as `npm start` runs it (`npm run bench` builds dist/ first
 * when it is stale): the one place that says how it is started.
 */
export const startService = (
  upstream: URL,
  settings: Record<string, string> = {},
  cpus: string | undefined = SERVICE_CORE,
  nodeOptions: ReadonlyArray<string> = []
) =>
  startNodeProcess({
    nodeOptions,
    // for A/B measurements: another build of the service, e.g. BENCH_SERVICE_ENTRY=dist-base/main.mjs
    entry: process.env["BENCH_SERVICE_ENTRY"] ?? "dist/main.mjs",
    env: {
      PORT: "0",
      HOST: "127.0.0.1",
      FAULTY_SERVER_URL: upstream.href,
      DATABASE_URL: join(mkdtempSync(join(tmpdir(), "faulty-bench-")), "runs.sqlite"),
      MAX_CONCURRENT_RUNS: "4",
      MAX_PENDING_RUNS: "16",
      UPSTREAM_CONCURRENCY: "auto",
      ...settings,
      // for experiments: extra service settings as JSON, e.g. BENCH_SERVICE_ENV='{"UPSTREAM_CONCURRENCY":"16"}'
      ...(JSON.parse(process.env["BENCH_SERVICE_ENV"] ?? "{}") as Record<string, string>)
    },
    ready: listeningUrl,
    ...(cpus === undefined ? {} : { cpus })
  })

/**
 * One process spinning on the service's core for as long as it lives: the CPU contention of a
 * shared host, with the same share taken from the service and from the reference clients.
 */
export const startBusyProcess = async (): Promise<{ readonly stop: () => Promise<void> }> => {
  const spin = [process.execPath, "-e", "for (;;) {}"] as const
  const child: ChildProcess = pinned()
    ? spawn("taskset", ["-c", SERVICE_CORE, ...spin], { stdio: "ignore" })
    : spawn(spin[0], spin.slice(1), { stdio: "ignore" })
  const exited = new Promise<void>((done) => child.once("exit", () => done()))
  // Let it start spinning before the case begins.
  await new Promise((done) => setTimeout(done, 200))
  return {
    stop: () => {
      child.kill("SIGKILL")
      return exited
    }
  }
}

let hasTaskset: boolean | undefined
const pinned = () => {
  if (hasTaskset === undefined) {
    try {
      execFileSync("taskset", ["-c", SERVICE_CORE, "true"], { stdio: "ignore" })
      hasTaskset = true
    } catch {
      hasTaskset = false
    }
  }
  return hasTaskset
}

/**
 * Clears the ledger and C's schedule, once the requests abandoned by the previous case have left
 * the simulator: until their latency is over they still count against C. `limit` sets C until
 * the next reset (otherwise the simulator's own setting applies again).
 */
export const resetSimulator = async (simulator: URL, limit?: number) => {
  for (let tries = 0; tries < 200; tries++) {
    const stats = (await (await fetch(new URL("/__stats", simulator))).json()) as { inFlight: number }
    if (stats.inFlight === 0) break
    await new Promise((done) => setTimeout(done, 25))
  }
  const response = await fetch(new URL(`/__reset${limit === undefined ? "" : `?limit=${limit}`}`, simulator), { method: "POST" })
  if (response.status !== 200) throw new Error(`POST /__reset answered ${response.status}: ${await response.text()}`)
}

export const postRun = async (service: URL, seconds: number) => {
  const response = await fetch(new URL("/runs", service), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ seconds })
  })
  if (response.status !== 202) throw new Error(`POST /runs answered ${response.status}: ${await response.text()}`)
  return ((await response.json()) as { id: string }).id
}

export const awaitCount = async (service: URL, id: string) => {
  for (;;) {
    const run = (await (await fetch(new URL(`/runs/${id}`, service))).json()) as {
      status: string
      successful_responses_count: number
    }
    if (run.status === "FINISHED") return run.successful_responses_count
    await new Promise((done) => setTimeout(done, 100))
  }
}
