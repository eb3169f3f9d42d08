/**
 * `npx tsx bench/hot-path.ts`: what one success costs the service process, round after round in
 * one fresh process (round 1 is the cold start), in the conditions of `cold_shared3` (three 4 s
 * runs at once, C = 60, L = 50 ms, p = 0.7, the simulator in its own process on the other core).
 * Per round: successes, 429s per success, the service's CPU ms per success and the bytes it
 * allocated per attempt (from its `--trace-gc` lines: the heap's growth between collections).
 *
 *   --rounds=3                  rounds in the one process
 *   --profile=cpu|heap --out=d  also profile each round through the service's inspector and write
 *                               d/round-N.cpuprofile or d/round-N.heapprofile (every allocation
 *                               sampled, collected or not), for bench/profile-summary.ts
 *   --scenario=<name>           another scenario of bench/scenarios.ts
 *
 * The load average is printed beside every round: figures from a busy machine are pessimistic.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { loadavg } from "node:os"
import { join } from "node:path"
import { connectInspector, inspectorUrl } from "./inspector.js"
import { fetchLedger } from "./ledger.js"
import {
  awaitCount,
  pinSelf,
  postRun,
  processCpuMs,
  resetSimulator,
  SERVICE_CORE,
  startBusyProcess,
  startService,
  startSimulator
} from "./processes.js"
import { scenarios } from "./scenarios.js"

const flag = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split("=")[1]
const rounds = Number(flag("rounds") ?? "3")
const scenarioName = flag("scenario") ?? "cold_shared3_C60_L50_p70"
const scenario = scenarios.find((candidate) => candidate.name === scenarioName)
if (scenario === undefined) throw new Error(`no scenario ${scenarioName}`)

const profile = flag("profile")
const out = flag("out") ?? "."
if (profile !== undefined && profile !== "cpu" && profile !== "heap") throw new Error("--profile is cpu or heap")
const nodeOptions = ["--trace-gc", ...(profile === undefined ? [] : ["--inspect=127.0.0.1:0"])]

pinSelf()
const simulator = await startSimulator(scenario)
const service = await startService(simulator.ready, {}, SERVICE_CORE, nodeOptions)

// "... Scavenge 12.3 (14.0) -> 11.1 (15.0) MB, ..." — the heap in use before and after each GC.
const gcLine = /(?:Scavenge|Mark-Compact|Mark-sweep|Minor Mark-Sweep)[^\d]*([\d.]+) \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB/
let allocatedMb = 0
let lastAfterMb: number | undefined
let collections = 0
let pending = ""
service.child.stdout!.on("data", (chunk: Buffer) => {
  pending += chunk.toString()
  const lines = pending.split("\n")
  pending = lines.pop() ?? ""
  for (const line of lines) {
    const match = gcLine.exec(line)
    if (match === null) continue
    const before = Number(match[1])
    const after = Number(match[2])
    if (lastAfterMb !== undefined) allocatedMb += Math.max(0, before - lastAfterMb)
    lastAfterMb = after
    collections += 1
  }
})

const inspector = profile === undefined ? undefined : await connectInspector(inspectorUrl(service.stderr())!)
const startProfile = async () => {
  if (profile === "cpu") {
    await inspector!.send("Profiler.enable")
    await inspector!.send("Profiler.start")
  } else if (profile === "heap") {
    await inspector!.send("HeapProfiler.enable")
    await inspector!.send("HeapProfiler.startSampling", {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true
    })
  }
}
const stopProfile = async (round: number) => {
  if (profile === undefined) return
  mkdirSync(out, { recursive: true })
  const [method, extension] = profile === "cpu" ? ["Profiler.stop", "cpuprofile"] : ["HeapProfiler.stopSampling", "heapprofile"]
  const { profile: written } = await inspector!.send<{ profile: unknown }>(method)
  writeFileSync(join(out, `round-${round}.${extension}`), JSON.stringify(written))
}

const load = () => loadavg().map((value) => value.toFixed(2)).join(" ")
try {
  for (let round = 1; round <= rounds; round++) {
    await resetSimulator(simulator.ready)
    const loadBefore = load()
    const cpuBefore = processCpuMs(service.child.pid!)
    const allocatedBefore = allocatedMb
    const collectionsBefore = collections
    // A `busy` scenario spins a process on the service's core for the whole round.
    const busy = scenario.busy === true ? await startBusyProcess() : undefined
    await startProfile()
    const ids = await Promise.all(Array.from({ length: scenario.runs ?? 1 }, () => postRun(service.ready, scenario.seconds)))
    const counts = await Promise.all(ids.map((id) => awaitCount(service.ready, id)))
    const cpuMs = processCpuMs(service.child.pid!) - cpuBefore
    await busy?.stop()
    await stopProfile(round)
    const ledgers = await Promise.all(ids.map((id) => fetchLedger(simulator.ready, id)))
    const successes = counts.reduce((a, b) => a + b, 0)
    const attempts = ledgers.reduce((n, ledger) => n + ledger.requests, 0)
    const rejected = ledgers.reduce((n, ledger) => n + ledger.rejected, 0)
    const bytesPerAttempt = ((allocatedMb - allocatedBefore) * 1e6) / Math.max(1, attempts)
    console.log(
      `${scenario.name} round ${round}: successes=${successes} (${counts.join(" ")}) attempts=${attempts} ` +
        `429/success=${(rejected / Math.max(1, successes)).toFixed(3)} cpu_ms/success=${(cpuMs / Math.max(1, successes)).toFixed(3)} ` +
        `cpu_ms=${cpuMs} allocated_bytes/attempt≈${bytesPerAttempt.toFixed(0)} gcs=${collections - collectionsBefore} ` +
        `load=${loadBefore} → ${load()}`
    )
  }
} finally {
  inspector?.close()
  await service.kill("SIGTERM")
  await simulator.kill()
}
