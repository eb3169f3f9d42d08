/**
 * Loaded into the built service's process by `npm run soak` (node --import; plain JavaScript, so the
 * service runs exactly as `npm start` runs it, without a TypeScript loader): every few seconds it appends
 * one JSON line to SOAK_PROBE_FILE with the process's memory, open file descriptors, event-loop
 * delay, the GC pauses since the last line, and how long the service took over each POST /runs and
 * GET /health: from the parse of its headers to the end of its answer (node:diagnostics_channel), so
 * without the time a request waited in the socket before the event loop read it, and without the
 * load generator's own delays, and how many TCP connections the process opened (its upstream client's:
 * a connection closed and reopened at every run's end would show here). It observes; it changes
 * nothing in the service.
 */
import { subscribe } from "node:diagnostics_channel"
import { appendFileSync, readdirSync } from "node:fs"
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks"

const file = process.env["SOAK_PROBE_FILE"]
const everyMs = Number(process.env["SOAK_PROBE_EVERY_MS"] ?? 5_000)

// perf_hooks' NODE_PERFORMANCE_GC_* kinds.
/** @type {Record<number, string>} */
const GC_KINDS = { 1: "minor", 2: "major", 4: "incremental", 8: "weakcb" }

if (file !== undefined) {
  /** @type {Array<{ ms: number, kind: string }>} */
  const pauses = []
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = /** @type {{ detail?: { kind?: number } }} */ (entry).detail?.kind ?? 0
      pauses.push({ ms: entry.duration, kind: GC_KINDS[kind] ?? String(kind) })
    }
  }).observe({ entryTypes: ["gc"] })
  /** @type {WeakMap<object, { at: number, into: Array<number> }>} */
  const started = new WeakMap()
  /** @type {Array<number>} */
  const postMs = []
  /** @type {Array<number>} */
  const healthMs = []
  subscribe("http.server.request.start", (message) => {
    const { request, response } = /** @type {{ request: import("node:http").IncomingMessage, response: object }} */ (message)
    const path = (request.url ?? "").split("?")[0]
    const into = request.method === "POST" && path === "/runs" ? postMs : request.method === "GET" && path === "/health" ? healthMs : undefined
    if (into !== undefined) started.set(response, { at: performance.now(), into })
  })
  subscribe("http.server.response.finish", (message) => {
    const { response } = /** @type {{ response: object }} */ (message)
    const start = started.get(response)
    if (start !== undefined) start.into.push(performance.now() - start.at)
  })
  let connectionsOpened = 0
  subscribe("net.client.socket", () => {
    connectionsOpened += 1
  })
  const loopDelay = monitorEventLoopDelay({ resolution: 5 })
  loopDelay.enable()
  setInterval(() => {
    const memory = process.memoryUsage()
    let fds = -1
    try {
      fds = readdirSync("/proc/self/fd").length
    } catch {}
    appendFileSync(
      file,
      JSON.stringify({
        at: Date.now(),
        rss: memory.rss,
        heapUsed: memory.heapUsed,
        heapTotal: memory.heapTotal,
        external: memory.external,
        fds,
        connectionsOpened,
        gc: pauses.splice(0),
        serverMs: { post: postMs.splice(0), health: healthMs.splice(0) },
        loopDelayMs: { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 }
      }) + "\n"
    )
    loopDelay.reset()
    connectionsOpened = 0
  }, everyMs).unref()
}
