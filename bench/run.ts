/**
 * `npm run bench`: scenarios × strategies on loopback. The simulator and the service run in their
 * own processes, pinned to separate cores where taskset exists; the reference clients run in this
 * process, pinned with the service's core. Every case gets its own X-Run-Id, and the simulator's
 * ledger is the source of truth for what was sent and answered.
 *
 *   npm run bench                       all scenarios, 3 repetitions, writes docs/BENCHMARKS.md
 *   npm run bench -- --only=steady_L50  scenarios whose name contains the text (report not written)
 *   npm run bench -- --reps=1           fewer repetitions
 */
import { readFileSync, writeFileSync } from "node:fs"
import { cpus, loadavg, totalmem } from "node:os"
import type { NodeProcess } from "../test/support/childProcess.js"
import { inFreshProcess, type ReferenceName, runReference } from "./references.js"
import { measureEngineOverhead } from "./overhead.js"
import { fetchLedger, type LedgerFacts, timeToConcurrency } from "./ledger.js"
import {
  awaitCount,
  pinSelf,
  postRun,
  processCpuMs,
  resetSimulator,
  SERVICE_CORE,
  SIMULATOR_CORE,
  startBusyProcess,
  startService,
  startSimulator
} from "./processes.js"
import { type Scenario, scenarios, type StrategyName } from "./scenarios.js"
import { soakSection } from "./soak-section.js"
import { formatStartup, measureStartup } from "./startup.js"

const flag = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split("=")[1]
const only = flag("only")
const reps = Number(flag("reps") ?? "3")

interface CaseResult {
  readonly successes: number
  readonly perRun: ReadonlyArray<number>
  readonly ledger: LedgerFacts
  readonly cpuMs: number
  readonly timeTo90Ms: number | undefined
}

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

const jain = (values: ReadonlyArray<number>) => {
  const total = values.reduce((a, b) => a + b, 0)
  const squares = values.reduce((a, b) => a + b * b, 0)
  return squares === 0 ? 0 : (total * total) / (values.length * squares)
}

const mergeLedgers = (ledgers: ReadonlyArray<LedgerFacts>): LedgerFacts => {
  const accepted = ledgers.reduce((n, l) => n + l.entries.filter((e) => e.status !== 429).length, 0)
  const successes = ledgers.reduce((n, l) => n + l.successes, 0)
  const latency = ledgers.reduce((n, l) => n + l.latencyMs * l.entries.filter((e) => e.status !== 429).length, 0)
  return {
    requests: ledgers.reduce((n, l) => n + l.requests, 0),
    successes,
    rejected: ledgers.reduce((n, l) => n + l.rejected, 0),
    pHat: accepted === 0 ? 0 : successes / accepted,
    latencyMs: accepted === 0 ? 0 : latency / accepted,
    entries: ledgers.flatMap((l) => l.entries)
  }
}

const runService = async (scenario: Scenario, service: NodeProcess<URL>, simulator: URL): Promise<CaseResult> => {
  const cpuBefore = processCpuMs(service.child.pid!)
  const ids = await Promise.all(Array.from({ length: scenario.runs ?? 1 }, () => postRun(service.ready, scenario.seconds)))
  const perRun = await Promise.all(ids.map((id) => awaitCount(service.ready, id)))
  const cpuMs = processCpuMs(service.child.pid!) - cpuBefore
  if (process.env["BENCH_DEBUG"]) {
    console.log(`runs counted ${perRun.join(" ")}`)
    for (const log of service.logs.filter((l) => l["message"] === "run finished").slice(-ids.length)) {
      console.log(JSON.stringify((log["annotations"] as Record<string, unknown>)["upstreamLimit"]))
    }
  }
  const ledger = mergeLedgers(await Promise.all(ids.map((id) => fetchLedger(simulator, id))))
  const c0 = scenario.limitAt(0)
  return {
    successes: perRun.reduce((a, b) => a + b, 0),
    perRun,
    ledger,
    cpuMs,
    timeTo90Ms: timeToConcurrency(ledger.entries, Math.ceil(0.9 * c0))
  }
}

let caseNumber = 0
const runClient = async (scenario: Scenario, strategy: StrategyName, simulator: URL): Promise<CaseResult> => {
  const runId = `bench-${scenario.name}-${strategy}-${++caseNumber}`
  const reference = strategy as ReferenceName
  // A cold scenario's service is a fresh process, so its references run in one too: the same
  // code not yet optimised (undici's above all), the same conditions.
  const result =
    scenario.cold === true
      ? await inFreshProcess({ url: simulator.href, runId, scenario: scenario.name, reference })
      : await runReference({ url: simulator, runId, scenario, reference })
  const ledger = await fetchLedger(simulator, runId)
  return {
    successes: result.successes,
    perRun: [result.successes],
    ledger,
    cpuMs: result.cpuMs,
    timeTo90Ms: timeToConcurrency(ledger.entries, Math.ceil(0.9 * scenario.limitAt(0)))
  }
}

/** C averaged over the window, for the ideal p·Σ(Cᵢ·tᵢ)/L. */
const meanLimit = (scenario: Scenario) => {
  let total = 0
  const steps = 1000
  for (let i = 0; i < steps; i++) total += scenario.limitAt(((i + 0.5) / steps) * scenario.seconds * 1000)
  return total / steps
}

interface Line {
  readonly scenario: Scenario
  readonly strategy: StrategyName
  readonly n: number
  /** (largest N − smallest N) / median N over the repetitions. */
  readonly spread: number
  readonly eOracle: number
  readonly eEff: number
  readonly rejectedPerSuccess: number
  readonly cpuMsPerSuccess: number
  readonly attemptsPerSecond: number
  readonly jain: number | undefined
  readonly roundTripsTo90: number | undefined
  /** N of each repetition, in the order run. */
  readonly perRepetition: ReadonlyArray<number>
}

const WARM_UP_SECONDS = 2

const runScenario = async (scenario: Scenario): Promise<ReadonlyArray<Line>> => {
  let simulator = await startSimulator(scenario)
  let service: NodeProcess<URL> | undefined
  let warmedUp = false
  try {
    const results = new Map<StrategyName, Array<CaseResult>>()
    for (let rep = 0; rep < reps; rep++) {
      const order = rep % 2 === 0 ? scenario.strategies : [...scenario.strategies].reverse()
      for (const [index, strategy] of order.entries()) {
        if (scenario.isolated === true && (rep > 0 || index > 0)) {
          await service?.kill()
          service = undefined
          await simulator.kill()
          simulator = await startSimulator(scenario)
        }
        const busy = scenario.busy === true ? await startBusyProcess() : undefined
        try {
          if (strategy === "service") {
            if (service === undefined || scenario.cold === true) {
              await service?.kill()
              service = await startService(simulator.ready)
              warmedUp = false
            }
            if (scenario.learnedAt !== undefined) {
              await resetSimulator(simulator.ready, scenario.learnedAt)
              await awaitCount(service.ready, await postRun(service.ready, WARM_UP_SECONDS))
            } else if (scenario.cold !== true && !warmedUp) {
              // The service's limiter learns C once, as it would over a real service's life.
              await awaitCount(service.ready, await postRun(service.ready, WARM_UP_SECONDS))
              warmedUp = true
            }
          }
          await resetSimulator(simulator.ready)
          const result =
            strategy === "service"
              ? await runService(scenario, service!, simulator.ready)
              : await runClient(scenario, strategy, simulator.ready)
          results.set(strategy, [...(results.get(strategy) ?? []), result])
        } finally {
          await busy?.stop()
        }
      }
    }
    const oracleN = median((results.get("oracle") ?? []).map((r) => r.successes))
    return scenario.strategies.map((strategy): Line => {
      const cases = results.get(strategy)!
      const n = median(cases.map((r) => r.successes))
      const pHat = median(cases.map((r) => r.ledger.pHat))
      const latency = median(cases.map((r) => r.ledger.latencyMs))
      const ideal = (pHat * meanLimit(scenario) * scenario.seconds * 1000) / latency
      const times = cases.map((r) => r.timeTo90Ms).filter((t): t is number => t !== undefined)
      return {
        scenario,
        strategy,
        n,
        spread: n > 0 ? (Math.max(...cases.map((r) => r.successes)) - Math.min(...cases.map((r) => r.successes))) / n : Number.NaN,
        eOracle: oracleN > 0 ? n / oracleN : Number.NaN,
        eEff: ideal > 0 ? n / ideal : Number.NaN,
        rejectedPerSuccess: median(cases.map((r) => (r.successes > 0 ? r.ledger.rejected / r.successes : Number.NaN))),
        cpuMsPerSuccess: median(cases.map((r) => (r.successes > 0 ? r.cpuMs / r.successes : Number.NaN))),
        attemptsPerSecond: median(cases.map((r) => r.ledger.requests / scenario.seconds)),
        jain: (scenario.runs ?? 1) > 1 && strategy === "service" ? median(cases.map((r) => jain(r.perRun))) : undefined,
        roundTripsTo90: times.length === cases.length ? median(times) / latency : undefined,
        perRepetition: cases.map((r) => r.successes)
      }
    })
  } finally {
    await service?.kill()
    await simulator.kill()
  }
}

const fmt = (value: number | undefined, digits = 2) => (value === undefined || Number.isNaN(value) ? "–" : value.toFixed(digits))

const formatLine = (line: Line) =>
  `${line.scenario.name} [${line.strategy}] N=${line.n} spread=${fmt(line.spread)} E_oracle=${fmt(line.eOracle)} E_eff=${fmt(line.eEff)} ` +
  `429/success=${fmt(line.rejectedPerSuccess, 3)} cpu_ms/success=${fmt(line.cpuMsPerSuccess, 3)} ` +
  `attempts/s=${fmt(line.attemptsPerSecond, 0)}` +
  (line.jain === undefined ? "" : ` jain=${fmt(line.jain, 4)}`) +
  (line.roundTripsTo90 === undefined || line.scenario.cold !== true ? "" : ` rtt_to_90%C=${fmt(line.roundTripsTo90, 1)}`) +
  (line.perRepetition.length > 1 ? ` each=${line.perRepetition.join("/")}` : "")

interface Verdict {
  readonly target: string
  readonly measured: string
  readonly met: boolean
}

const verdicts = (lines: ReadonlyArray<Line>): ReadonlyArray<Verdict> => {
  const service = lines.filter((line) => line.strategy === "service")
  const out: Array<Verdict> = []
  const reference = (line: Line, strategy: StrategyName) =>
    lines.find((other) => other.scenario === line.scenario && other.strategy === strategy)
  for (const line of service) {
    const name = line.scenario.name
    const naive = reference(line, "naive")
    const againstNaive = naive === undefined ? "" : ` and ≥ the naive reference`
    const naiveMeasured = naive === undefined ? "" : `, naive E_oracle=${fmt(naive.eOracle)}`
    const beatsNaive = naive === undefined || line.n >= naive.n
    const ofOracle = (least: number, extra = "") => ({
      target: `${name}: E_oracle ≥ ${least.toFixed(2)}${extra}${againstNaive}`,
      measured: `E_oracle=${fmt(line.eOracle)}${naiveMeasured}`,
      met: line.eOracle >= least && beatsNaive
    })
    for (const target of line.scenario.targets) {
      if (target === "steady") {
        const judged = ofOracle(0.98, " with ≤ 0.2 429s per success")
        out.push({
          ...judged,
          measured: `${judged.measured}, 429/success=${fmt(line.rejectedPerSuccess, 3)}`,
          met: judged.met && line.rejectedPerSuccess <= 0.2
        })
      } else if (target === "offHome") {
        out.push(ofOracle(0.97))
      } else if (target === "contended") {
        out.push(ofOracle(0.9, " (a busy process on its core, a fresh process)"))
      } else if (target === "changing") {
        out.push({ target: `${name}: ≥ 0.95 of p·Σ(Cᵢ·tᵢ)/L`, measured: `E_eff=${fmt(line.eEff)}`, met: line.eEff >= 0.95 })
      } else if (target === "shared") {
        out.push({
          target: `${name}: Jain ≥ 0.99 and total ≥ 0.97 of the oracle`,
          measured: `jain=${fmt(line.jain, 4)}, E_oracle=${fmt(line.eOracle)}`,
          met: (line.jain ?? 0) >= 0.99 && line.eOracle >= 0.97
        })
      } else if (target === "tiny") {
        const raw = reference(line, "oracle")!
        const ratio = line.attemptsPerSecond / raw.attemptsPerSecond
        out.push({
          target: `${name}: attempts/s ≥ 0.6 of a raw undici loop`,
          measured: `${fmt(line.attemptsPerSecond, 0)} vs ${fmt(raw.attemptsPerSecond, 0)} = ${fmt(ratio)}`,
          met: ratio >= 0.6
        })
      } else if (target === "cold") {
        out.push({
          target: `${name}: 90 % of C within 4 round trips`,
          measured: `${fmt(line.roundTripsTo90, 1)} round trips`,
          met: (line.roundTripsTo90 ?? Number.POSITIVE_INFINITY) <= 4
        })
      }
    }
  }
  return out
}

const machine = () => {
  const cpu = cpus()
  return [
    `- CPU: ${cpu.length} × ${cpu[0]?.model ?? "unknown"}`,
    `- memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB; Node ${process.version}; ${process.platform} ${process.arch}`,
    `- simulator pinned to core ${SIMULATOR_CORE}, service and reference clients to core ${SERVICE_CORE} (${pinned ? "taskset" : "not pinned: no taskset"})`,
    `- load average (1 min) at the start ${loadAtStart.toFixed(2)}, at the end ${loadavg()[0]!.toFixed(2)}: anything above ~2 means other work shared these two cores and the figures are pessimistic`
  ].join("\n")
}

const pinned = pinSelf()
const loadAtStart = loadavg()[0]!
const selected = scenarios.filter((scenario) => only === undefined || scenario.name.includes(only))
const all: Array<Line> = []
const startedAt = new Date()
const loads: Array<string> = []
const loadSamples: Array<number> = [loadAtStart]
const peakLoad = () => Math.max(...loadSamples)
const loaded = () => peakLoad() > 2
const minutes = () => ((Date.now() - startedAt.getTime()) / 60_000).toFixed(1)
for (const scenario of selected) {
  const lines = await runScenario(scenario)
  const load = `${scenario.name}: load average ${loadavg().map((value) => value.toFixed(2)).join(" ")}`
  loads.push(load)
  loadSamples.push(loadavg()[0]!)
  console.log(`# ${load}`)
  for (const line of lines) console.log(formatLine(line))
  all.push(...lines)
}
console.log(`# ${selected.length} scenario(s), ${reps} repetition(s), ${minutes()} min`)
const overhead = only === undefined ? await measureEngineOverhead() : []
for (const line of overhead) console.log(line)
const startup = only === undefined || only === "startup" ? formatStartup(await measureStartup()) : []
for (const line of startup) console.log(line)
const judged = verdicts(all)
const soakReport = () => {
  try {
    return readFileSync(new URL("../docs/SOAK.md", import.meta.url), "utf8")
  } catch {
    return ""
  }
}
console.log("")
for (const verdict of judged) console.log(`${verdict.met ? "met   " : "MISSED"} ${verdict.target}: ${verdict.measured}`)

if (only === undefined) {
  const report = `# Benchmarks

Measured by \`npm run bench${process.argv.slice(2).length > 0 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}\` on ${startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC (${reps} repetition${reps === 1 ? "" : "s"} per case, medians, strategies alternating order; the whole bench took ${minutes()} min).
${loaded() ? `
> **Measured on a loaded machine** (1-minute load average up to ${peakLoad().toFixed(1)} on ${cpus().length} cores, per scenario below): other
> work took CPU from the service, the simulator and the reference clients alike, so every figure here is pessimistic and noisy,
> and only the comparison of strategies within one scenario (same contention for all) means much. Re-run on a quiet machine.
` : ""}
${machine()}

Each case is one run of the scenario's window against the bundled simulator in its own process. \`N\` is the
successes counted inside the window (the service's run count; a reference client's own count; the median
of the repetitions), \`spread\` is (largest N − smallest N) / N over the repetitions, \`E_oracle\` is
N over the oracle's N in the same scenario (an undici client that knows C and keeps exactly C in flight;
\`naive\` is the reference limiter of issue 10, two rules on the same lean client: on a 429 the window becomes what
is still in flight, on any other answer, while window-limited and no 429 for one round trip, it grows by one),
\`E_eff\` is N over the ideal p̂·C̄·T/L̄ (p̂ and L̄ measured from the simulator's ledger for that case),
\`429/success\` and \`attempts/s\` come from the ledger, \`cpu_ms/success\` is the CPU time of the service
process (or of the reference client) per success. Before a scenario's cases the service runs one 2-second
warm-up run (its limiter is shared by all runs of the process, as in real use), except in the cold
scenarios, which start a fresh process and database for every case, and run every case of their reference
clients (oracle, naive) in a fresh process too, so that both sides pay for code not yet optimised (until
2026-12-02 the references ran warm in the bench's own process, where they had served many cases before);
the \`learned…\` scenarios warm up at
another C before every case; \`busy…\` spins a process on the service's core (where the reference clients
run too) for each whole case. How the limiter works, with timelines: [LIMITER.md](LIMITER.md). Start-up figures per Node version
(\`npm run bench:startup\`): [BENCHMARKS-startup.md](BENCHMARKS-startup.md); several replicas (\`npm run bench:replicas\`):
[BENCHMARKS-replicas.md](BENCHMARKS-replicas.md).

## Targets

| target | measured | |
| --- | --- | --- |
${judged.map((v) => `| ${v.target} | ${v.measured} | ${v.met ? "met" : "**missed**"} |`).join("\n")}

## The engine's own cost

Measured in the bench process with an upstream that answers on the next turn of the event loop (no
network), so this is what Effect, the limiter and the run engine add to each attempt:

\`\`\`
${overhead.join("\n")}
\`\`\`

## Start-up

The built service from spawn to its first \`/health\` 200, and the built CLI from spawn to exit
(\`npm run bench:startup\` measures this section alone):

\`\`\`
${startup.join("\n")}
\`\`\`

${soakSection(soakReport())}
## All cases

Load average (1, 5, 15 min) at the end of each scenario:

\`\`\`
${loads.join("\n")}
\`\`\`

\`\`\`
${all.map(formatLine).join("\n")}
\`\`\`

${readFileSync(new URL("./report-notes.md", import.meta.url), "utf8").trim()}
`
  writeFileSync(new URL("../docs/BENCHMARKS.md", import.meta.url), report)
  console.log("\nwrote docs/BENCHMARKS.md")
}
