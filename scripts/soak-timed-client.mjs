/**
 * The soak's timed client (scripts/soak.ts starts it as a worker thread): it alone sends the requests
 * whose latency the soak judges, POST /runs (runs always executing and the queue full) and GET
 * /health, on its own event loop, heap and connections. The readers, long polls and event streams
 * run on the soak's main thread; were the timed requests among them, every GC pause and busy stretch
 * of that load generator would be counted as the service's latency. Its own event-loop delay is
 * reported beside its figures, so that what it adds stays visible. It probes the floor server
 * (scripts/soak-floor-server.mjs) on the same schedule, on connections of its own. Plain JavaScript:
 * no TypeScript loader runs in this thread.
 */
import { monitorEventLoopDelay } from "node:perf_hooks"
import { parentPort, workerData } from "node:worker_threads"
import { Agent, request } from "undici"

/** @type {{ base: string, floorBase: string, runSeconds: number, healthEveryMs: number }} */
const { base, floorBase, runSeconds, healthEveryMs } = workerData
const port = /** @type {import("node:worker_threads").MessagePort} */ (parentPort)
const agent = new Agent({ connections: 4, keepAliveTimeout: 10_000 })
const floorAgent = new Agent({ connections: 4, keepAliveTimeout: 10_000 })
const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms))
let stopping = false

const newMinute = () => ({
  post: /** @type {Array<number>} */ ([]),
  health: /** @type {Array<number>} */ ([]),
  floorPost: /** @type {Array<number>} */ ([]),
  floorHealth: /** @type {Array<number>} */ ([]),
  statuses: /** @type {Record<string, number>} */ ({}),
  errors: 0
})
let current = newMinute()

/**
 * @param {"post" | "health" | "floorPost" | "floorHealth"} into
 * @param {string} url
 * @param {string | undefined} body
 */
const timed = async (into, url, body) => {
  const started = performance.now()
  const floor = into === "floorPost" || into === "floorHealth"
  try {
    const response = await request(url, {
      dispatcher: floor ? floorAgent : agent,
      method: body === undefined ? "GET" : "POST",
      ...(body === undefined ? {} : { body, headers: { "content-type": "application/json" } })
    })
    const text = await response.body.text()
    current[into].push(performance.now() - started)
    if (!floor) current.statuses[response.statusCode] = (current.statuses[response.statusCode] ?? 0) + 1
    return { status: response.statusCode, text }
  } catch {
    if (!stopping) current.errors += 1
    return undefined
  }
}

const body = JSON.stringify({ seconds: runSeconds })
const submitter = async () => {
  while (!stopping) {
    const answer = await timed("post", `${base}/runs`, body)
    if (answer?.status === 202) port.postMessage({ created: JSON.parse(answer.text).id })
    await sleep(answer?.status === 429 ? 500 : 100)
  }
}

/** @param {"health" | "floorHealth"} into @param {string} url */
const healthProbe = async (into, url) => {
  while (!stopping) {
    await timed(into, url, undefined)
    await sleep(healthEveryMs)
  }
}

/** The floor server always refuses: a POST every 500 ms, as the service's submitter sends once the queue is full. */
const floorSubmitter = async (/** @type {string} */ url) => {
  while (!stopping) {
    await timed("floorPost", url, body)
    await sleep(500)
  }
}

const loopDelay = monitorEventLoopDelay({ resolution: 10 })
loopDelay.enable()
const loops = [
  submitter(),
  healthProbe("health", `${base}/health`),
  floorSubmitter(`${floorBase}/runs`),
  healthProbe("floorHealth", `${floorBase}/health`)
]

port.on("message", async (/** @type {"minute" | "stop"} */ message) => {
  if (message === "minute") {
    port.postMessage({ minute: { ...current, loopDelayMaxMs: loopDelay.max / 1e6 } })
    current = newMinute()
    loopDelay.reset()
  } else {
    stopping = true
    await Promise.race([Promise.allSettled(loops), sleep(2_000)])
    await Promise.all([agent.destroy(), floorAgent.destroy()])
    port.postMessage({ stopped: true })
    port.close()
  }
})
