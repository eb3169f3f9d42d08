import type { IncomingMessage, Server, ServerResponse } from "node:http"
import type { Duplex } from "node:stream"
import { describeValue } from "../Domain/Describe.js"
import { BadRequest, ExpectationFailed, HeadersTooLarge, RequestTimeout } from "../Domain/Errors.js"
import { errorBody, rawErrorAnswer, statusOf } from "./ErrorResponse.js"
import { pathOf } from "./RequestTarget.js"
import { routeTemplateFor } from "./Routes.js"

/**
 * HTTP/1.1 connection bookkeeping that the request handlers cannot see on their own. Node parses
 * pipelined requests ahead and hands each to a handler at once, so a request queued behind a 413, a
 * `Connection: close` or a parse error would run (and create a run) though its answer can never be
 * sent (RFC 9112 §9.6). Each request therefore waits, before it is executed, for the request before
 * it on its connection to say whether the connection goes on.
 */
interface ConnectionState {
  /** Settles once the latest request on the connection has decided whether the connection goes on. */
  latest: Promise<boolean>
  /** Node's parser refused bytes on it: the connection was answered and is closing. */
  broken: boolean
}

export interface RequestTurn {
  /** Whether every request before this one on its connection left the connection open. */
  readonly connectionOpen: () => Promise<boolean>
  /** This request's verdict: false when its answer closes the connection or it was not executed. */
  readonly decide: (keepsOpen: boolean) => void
}

/**
 * The state is kept on the socket and the turn on the request, not in WeakMaps keyed by them: V8's
 * young-generation GC keeps a WeakMap's entries alive until the next full GC, and with them every
 * request and what it references (see SharedScheduler).
 */
const connectionKey: unique symbol = Symbol("faulty-runs/ConnectionState")
const turnKey: unique symbol = Symbol("faulty-runs/RequestTurn")
type TrackedSocket = Duplex & { [connectionKey]?: ConnectionState }
type TrackedRequest = IncomingMessage & { [turnKey]?: RequestTurn }

const stateOf = (socket: TrackedSocket): ConnectionState =>
  (socket[connectionKey] ??= { latest: Promise.resolve(true), broken: false })

/** Whether the client asked for the connection to end after this request (HTTP/1.0 ends by default). */
export const clientClosesConnection = (request: IncomingMessage): boolean => {
  const tokens = (request.headers.connection ?? "").toLowerCase().split(",").map((token) => token.trim())
  return request.httpVersion === "1.0" ? !tokens.includes("keep-alive") : tokens.includes("close")
}

const registerTurn = (request: IncomingMessage) => {
  const state = stateOf(request.socket)
  const previous = state.latest
  let settle: (keepsOpen: boolean) => void = () => {}
  const decided = new Promise<boolean>((resolve) => (settle = resolve))
  let settled = false
  state.latest = previous.then((open) => (open ? decided : false))
  ;(request as TrackedRequest)[turnKey] = {
    connectionOpen: () => previous.then((open) => open && !state.broken && !request.socket.destroyed),
    decide: (keepsOpen) => {
      if (settled) return
      settled = true
      settle(keepsOpen && !clientClosesConnection(request))
    }
  }
}

/** The request's place on its connection; undefined for a request that did not come through `trackConnections`. */
export const turnOf = (request: IncomingMessage): RequestTurn | undefined => (request as TrackedRequest)[turnKey]

const parseErrorAnswer = (error: NodeJS.ErrnoException & { reason?: string }) => {
  switch (error.code) {
    case "HPE_HEADER_OVERFLOW":
      return new HeadersTooLarge({ message: "the request's headers are too large" })
    case "ERR_HTTP_REQUEST_TIMEOUT":
    case "HPE_HEADERS_TIMEOUT":
      return new RequestTimeout({ message: "the request was not received in time" })
    default:
      return new BadRequest({ message: `the request could not be parsed: ${error.reason ?? error.code ?? "malformed HTTP"}` })
  }
}

/** The response Node is writing on the socket, if any (the same internal field its own clientError handler reads). */
const pendingAnswer = (socket: Duplex) => (socket as { _httpMessage?: { headersSent: boolean } })._httpMessage

/** Counts an answer written here, outside the HTTP app (which counts its own): method, route template, status. */
export type CountAnswer = (method: string, route: string, status: number) => void

/** The route label of an answer to bytes Node could not parse as a request. */
export const UNPARSED_ROUTE = "(unparsed)"

/**
 * Registers every request's turn on its connection (before the HTTP app's own listener, so in
 * arrival order), and answers what Node's parser refuses in JSON instead of its bare 400.
 */
export const trackConnections = (server: Server, countAnswer: CountAnswer = () => {}): void => {
  server.on("request", registerTurn)
  // Node's own answer to an Expect it cannot meet is an empty 417.
  server.on("checkExpectation", (request: IncomingMessage, response: ServerResponse) => {
    registerTurn(request)
    turnOf(request)!.decide(true)
    const body = errorBody(new ExpectationFailed({ message: `cannot meet Expect: ${describeValue(request.headers.expect)}; only 100-continue is supported` }))
    response.writeHead(417, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body)
    countAnswer(request.method ?? "", routeTemplateFor(request.method ?? "", pathOf(request.url ?? "/")), 417)
  })
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    // Bytes after a request that closes the connection: that request is answered, the rest is not read.
    if (error.code === "HPE_CLOSED_CONNECTION" && pendingAnswer(socket) !== undefined) return
    stateOf(socket).broken = true
    if (error.code === "ECONNRESET" || !socket.writable || pendingAnswer(socket)?.headersSent === true) {
      socket.destroy()
      return
    }
    const answer = parseErrorAnswer(error)
    socket.end(rawErrorAnswer(answer))
    countAnswer("UNKNOWN", UNPARSED_ROUTE, statusOf(answer))
  })
}

/** How often, while a server drains, connections that became idle (their last answer sent) are closed. */
const IDLE_SWEEP_MS = 50

/**
 * Stops a server without waiting on its clients: idle connections close at once and as soon as
 * they become idle (Node's close() only closes those idle at the time), and after `graceMs` every
 * connection still open (a partial request, a hung body, a stream) is cut.
 */
export const closeServerWithin = (server: Server, graceMs: number): Promise<void> =>
  new Promise((resolve) => {
    if (!server.listening) return resolve()
    const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS)
    const cut = setTimeout(() => server.closeAllConnections(), graceMs)
    server.close(() => {
      clearInterval(sweep)
      clearTimeout(cut)
      resolve()
    })
    server.closeIdleConnections()
  })
