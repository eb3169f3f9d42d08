import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { Effect } from "effect"
import { stringifyExact } from "../Domain/ExactJson.js"
import { Ledger } from "./Ledger.js"
import { latencySampler, seededRandom } from "./Random.js"
import type { SimulatorSettings } from "./Settings.js"

// The exact bodies of SPEC §1.
const BODY_500 = '{"error": "Internal server error"}'
const BODY_504 = '{"error": "Timed out"}'
const BODY_429 = '{"error": "Too many concurrent requests"}'
const BODIES: Record<number, string> = { 429: BODY_429, 500: BODY_500, 504: BODY_504 }

export interface SimulatorStats {
  requests: number
  byStatus: Record<string, number>
  inFlight: number
  maxInFlight: number
}

/**
 * The upstream's request handler, in plain Node: it is a test instrument whose own overhead must
 * stay far below the service's, so it does the least work per request.
 */
export const makeSimulatorHandler = (settings: SimulatorSettings) => {
  const random = seededRandom(settings.seed)
  const ledger = new Ledger(settings.ledgerLimit)
  const inFlightByScope = new Map<string, number>()
  const stats: SimulatorStats = { requests: 0, byStatus: {}, inFlight: 0, maxInFlight: 0 }
  const valueSpan = settings.valueMax - settings.valueMin + 1
  // C's schedule is timed from the first request, so that a run and the schedule start together.
  let firstRequestAt: number | null = null
  // POST /__reset?limit=N sets C until the next reset (a bench moves C between cases).
  let concurrencyLimit = settings.concurrencyLimit

  const limitNow = (now: number): number => {
    if (settings.limitSchedule === null) return concurrencyLimit
    const elapsed = now - (firstRequestAt ??= now)
    let limit = settings.limitSchedule[0]!.limit
    for (const step of settings.limitSchedule) if (step.atMs <= elapsed) limit = step.limit
    return limit
  }

  const sampleLatency = latencySampler(
    { distribution: settings.latencyDistribution, latencyMs: settings.latencyMs, jitterMs: settings.jitterMs },
    random
  )

  // Limit by open connections: the first C connections are served, the others answered 429.
  const servedConnections = new Set<Socket>()
  const waitingConnections = new Set<Socket>()
  const onConnection = (socket: Socket) => {
    if (settings.limitBy !== "connections") return
    if (servedConnections.size < limitNow(Date.now())) servedConnections.add(socket)
    else waitingConnections.add(socket)
    socket.once("close", () => {
      waitingConnections.delete(socket)
      if (!servedConnections.delete(socket)) return
      const next = waitingConnections.values().next()
      if (next.done !== true && servedConnections.size < limitNow(Date.now())) {
        waitingConnections.delete(next.value)
        servedConnections.add(next.value)
      }
    })
  }

  const answer = (res: ServerResponse, status: number, body: string) => {
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) })
    res.end(body)
  }

  const sendJson = (res: ServerResponse, status: number, payload: unknown) => {
    const body = stringifyExact(payload)
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) })
    res.end(body)
  }

  /** Answers after `delay`, recording whether the client was still there to hear it. */
  const answerLater = (
    res: ServerResponse,
    runId: string,
    receivedAt: number,
    status: number,
    value: number | null,
    delay: number,
    done: () => void
  ) => {
    let clientGone = false
    res.once("close", () => {
      if (!res.writableFinished) clientGone = true
    })
    setTimeout(() => {
      done()
      const aborted = clientGone || res.destroyed
      ledger.record(runId, status, value, receivedAt, Date.now(), aborted)
      if (aborted) return
      answer(res, status, status === 200 ? `{"value": ${value}}` : BODIES[status]!)
    }, delay)
  }

  const leave = (scope: string) => () => {
    inFlightByScope.set(scope, (inFlightByScope.get(scope) ?? 1) - 1)
    stats.inFlight -= 1
  }
  const enter = (scope: string, inScope: number) => {
    inFlightByScope.set(scope, inScope)
    stats.inFlight += 1
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight)
  }

  const serveUpstream = (req: IncomingMessage, res: ServerResponse) => {
    const receivedAt = Date.now()
    const header = req.headers["x-run-id"]
    const runId = typeof header === "string" ? header : ""
    const scope = settings.limitScope === "global" || settings.limitBy === "connections" ? "" : runId
    stats.requests += 1
    const limit = limitNow(receivedAt)

    const inScope = (inFlightByScope.get(scope) ?? 0) + 1
    const overLimit =
      settings.limitBy === "connections"
        ? !servedConnections.has(req.socket)
        : limit > 0 && inScope > limit
    if (overLimit) {
      if (settings.rejectMode === "immediate") {
        answer(res, 429, BODY_429)
        ledger.record(runId, 429, null, receivedAt, receivedAt, false)
      } else if (settings.rejectMode === "held") {
        answerLater(res, runId, receivedAt, 429, null, sampleLatency(settings.latencyMs), () => {})
      } else {
        enter(scope, inScope)
        answerLater(res, runId, receivedAt, 429, null, sampleLatency(settings.latencyMs), leave(scope))
      }
      return
    }
    enter(scope, inScope)
    const roll = random()
    const status = roll < settings.p500 ? 500 : roll < settings.p500 + settings.p504 ? 504 : 200
    const value = status === 200 ? settings.valueMin + Math.floor(random() * valueSpan) : null
    const delay = sampleLatency(status === 504 ? settings.latency504Ms : settings.latencyMs)
    answerLater(res, runId, receivedAt, status, value, delay, leave(scope))
  }

  // A malformed escape (`%E0`) must be a client's 400, not a URIError that ends the process.
  const decodeOrUndefined = (encoded: string): string | undefined => {
    try {
      return decodeURIComponent(encoded)
    } catch {
      return undefined
    }
  }

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const [path = "/", query = ""] = (req.url ?? "/").split("?", 2)
    if (req.method === "GET" && path === "/") return serveUpstream(req, res)
    if (req.method === "GET" && path.startsWith("/__ledger/")) {
      const encoded = path.slice("/__ledger/".length)
      const runId = decodeOrUndefined(encoded)
      if (runId === undefined) return sendJson(res, 400, { error: `the run id is not a valid percent-encoding: ${JSON.stringify(encoded)}` })
      const run = ledger.get(runId)
      return run === undefined
        ? sendJson(res, 404, { error: `no requests seen for run ${runId}` })
        : sendJson(res, 200, run)
    }
    if (req.method === "GET" && path === "/__stats") {
      return sendJson(res, 200, { ...stats, runs: ledger.runCount, settings })
    }
    if (req.method === "POST" && path === "/__reset") {
      const limit = new URLSearchParams(query).get("limit")
      if (limit !== null && !(/^\d+$/.test(limit) && Number(limit) <= 1_000_000)) {
        return sendJson(res, 400, { error: `limit must be a whole number from 0 to 1000000, got ${JSON.stringify(limit)}` })
      }
      concurrencyLimit = limit === null ? settings.concurrencyLimit : Number(limit)
      ledger.clear()
      stats.requests = 0
      stats.byStatus = {}
      stats.maxInFlight = stats.inFlight
      firstRequestAt = null
      return sendJson(res, 200, { reset: true, concurrencyLimit })
    }
    return sendJson(res, 404, { error: `no route for ${req.method} ${path}` })
  }

  return { handle, onConnection, ledger, stats } as const
}

export interface RunningSimulator {
  readonly url: URL
  readonly server: Server
}

/** Starts the simulator for the life of the scope (port 0 picks a free port). */
export const startSimulator = (settings: SimulatorSettings) =>
  Effect.acquireRelease(
    Effect.async<RunningSimulator, Error>((resume) => {
      const { handle, onConnection } = makeSimulatorHandler(settings)
      const server = createServer({ keepAliveTimeout: 60_000 }, handle)
      server.on("connection", onConnection)
      server.once("error", (error) => resume(Effect.fail(error)))
      server.listen(settings.port, settings.host, () => {
        const { port } = server.address() as AddressInfo
        const host = settings.host.includes(":") ? `[${settings.host}]` : settings.host
        resume(Effect.succeed({ url: new URL(`http://${host}:${port}/`), server }))
      })
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
        server.closeAllConnections()
      })
  )
