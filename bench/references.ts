/**
 * The reference clients a scenario's service is measured against (bench/clients.ts), run in the
 * bench process or, for a cold scenario, in a fresh process of their own. Run as a script, this
 * file is that fresh process: `node --import tsx bench/references.ts '<json FreshCase>'` runs one
 * case and prints its result as one JSON line.
 */
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { type ClientResult, closedLoop, fixedWindow, naiveWindow, type Window } from "./clients.js"
import { type Scenario, scenarios, type StrategyName } from "./scenarios.js"

export type ReferenceName = Exclude<StrategyName, "service">

/** The service's own starting point (UPSTREAM_INITIAL_CONCURRENCY's default), for a like start. */
const NAIVE_INITIAL_WINDOW = 10

const maxInFlightFor = (scenario: Scenario) => 2 * Math.max(...[0, 1_000, 2_000, 3_000, 4_000, 5_000, 6_000].map(scenario.limitAt))

const windowOf = (scenario: Scenario, reference: ReferenceName): Window => {
  switch (reference) {
    case "oracle":
      return fixedWindow(scenario.limitAt)
    case "naive":
      return naiveWindow(NAIVE_INITIAL_WINDOW, maxInFlightFor(scenario))
    case "one-in-flight":
      return fixedWindow(() => 1)
    case "fixed-3":
      return fixedWindow(() => 3)
    case "greedy-2C":
      return fixedWindow((elapsed) => 2 * scenario.limitAt(elapsed))
  }
}

/** One case of a reference client, in this process. */
export const runReference = (options: {
  readonly url: URL
  readonly runId: string
  readonly scenario: Scenario
  readonly reference: ReferenceName
}): Promise<ClientResult> =>
  closedLoop({
    url: options.url,
    runId: options.runId,
    seconds: options.scenario.seconds,
    window: windowOf(options.scenario, options.reference),
    maxInFlight: maxInFlightFor(options.scenario)
  })

interface FreshCase {
  readonly url: string
  readonly runId: string
  readonly scenario: string
  readonly reference: ReferenceName
}

const thisFile = fileURLToPath(import.meta.url)

/** One case of a reference client in a fresh Node process (it inherits the bench's CPU pinning). */
export const inFreshProcess = (freshCase: FreshCase): Promise<ClientResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", thisFile, JSON.stringify(freshCase)], {
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    child.once("error", reject)
    child.once("exit", (code) => {
      const line = stdout.trim().split("\n").at(-1) ?? ""
      if (code !== 0 || line === "") return reject(new Error(`reference process exited ${code}: ${stderr.slice(-500)}`))
      const parsed = JSON.parse(line) as Omit<ClientResult, "sum"> & { sum: string }
      resolve({ ...parsed, sum: BigInt(parsed.sum) })
    })
  })

if (process.argv[1] === thisFile) {
  const freshCase = JSON.parse(process.argv[2]!) as FreshCase
  const scenario = scenarios.find((candidate) => candidate.name === freshCase.scenario)
  if (scenario === undefined) throw new Error(`no scenario ${freshCase.scenario}`)
  const result = await runReference({ url: new URL(freshCase.url), runId: freshCase.runId, scenario, reference: freshCase.reference })
  process.stdout.write(`${JSON.stringify({ ...result, sum: result.sum.toString() })}\n`)
}
