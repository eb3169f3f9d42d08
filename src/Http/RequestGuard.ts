import type { IncomingMessage } from "node:http"
import {
  type HttpApp,
  HttpApp as HttpAppModule,
  HttpBody,
  HttpMethod,
  HttpServerError,
  HttpServerRequest,
  HttpServerResponse
} from "@effect/platform"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { Cause, Effect, Option } from "effect"
import { describeValue } from "../Domain/Describe.js"
import { BadRequest, MethodNotAllowed, PayloadTooLarge, RouteNotFound, UnsupportedMediaType } from "../Domain/Errors.js"
import { parseJsonBody } from "../Domain/ExactJson.js"
import { turnOf } from "./Connections.js"
import { errorResponse, jsonErrorWithStatus } from "./ErrorResponse.js"
import { parseRequestTarget } from "./RequestTarget.js"
import { methodsFor, routesFor } from "./Routes.js"

export const MAX_BODY_BYTES = 16 * 1024

/** application/json and the structured-syntax `+json` types (problem+json, merge-patch+json, vnd.api+json…). */
const isJsonContentType = (value: string) => /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(value.trim())

/** Headers that must come once: Node joins a repeated one into "a, b", which would silently be another value. */
const SINGLE_HEADERS = ["content-type", "idempotency-key", "last-event-id"] as const

const repeatedHeader = (source: IncomingMessage | undefined): string | undefined => {
  if (source === undefined) return undefined
  const seen = new Set<string>()
  for (let i = 0; i < source.rawHeaders.length; i += 2) {
    const name = source.rawHeaders[i]!.toLowerCase()
    if (!(SINGLE_HEADERS as ReadonlyArray<string>).includes(name)) continue
    if (seen.has(name)) return name
    seen.add(name)
  }
  return undefined
}

const tooLarge = new PayloadTooLarge({
  message: `the request body is larger than ${MAX_BODY_BYTES} bytes`,
  maxBytes: MAX_BODY_BYTES
})

const shown = (path: string) => (path.length > 80 ? `${path.slice(0, 80)}…` : path)

/** Requests that were not executed because their connection was closing: their answer is never sent. */
const notExecuted = new WeakSet<object>()
export const wasNotExecuted = (request: HttpServerRequest.HttpServerRequest) => notExecuted.has(sourceOf(request) ?? request)

const sourceOf = (request: HttpServerRequest.HttpServerRequest): IncomingMessage | undefined => {
  try {
    return NodeHttpServerRequest.toIncomingMessage(request)
  } catch {
    return undefined
  }
}

/**
 * The request as the API sees it once checked: the route's canonical path (see Routes), a `+json`
 * content type as application/json, and the body already read. The platform's `modify` gives a
 * request that would read its body again from a stream already consumed, and wait forever, so the
 * body is put where both of @effect/platform's request classes cache it once read (`textEffect`,
 * what their `text` and `json` return). Not `Object.create(request)`: V8 gives every object made
 * from a new prototype a new hidden class, allocated in the old generation, which kept each
 * request's objects alive through the young-generation GCs.
 */
const preparedRequest = (
  request: HttpServerRequest.HttpServerRequest,
  url: string,
  body: string | undefined
): HttpServerRequest.HttpServerRequest => {
  if (body === undefined) return request.modify({ url })
  const prepared = request.modify({ url, headers: { ...request.headers, "content-type": "application/json" } })
  ;(prepared as unknown as { textEffect: Effect.Effect<string> }).textEffect = Effect.succeed(body)
  return prepared
}

type Checked =
  | { readonly _tag: "Answer"; readonly response: HttpServerResponse.HttpServerResponse }
  | { readonly _tag: "Execute"; readonly request: HttpServerRequest.HttpServerRequest }

const answer = (response: HttpServerResponse.HttpServerResponse): Checked => ({ _tag: "Answer", response })

/** Everything a request must pass before an endpoint runs; the first problem is answered in JSON. */
const check = (request: HttpServerRequest.HttpServerRequest, source: IncomingMessage | undefined) =>
  Effect.gen(function* () {
    if (source !== undefined && source.httpVersion === "1.1" && source.headers.host === undefined) {
      return answer(errorResponse(new BadRequest({ message: "an HTTP/1.1 request must have a Host header (RFC 9112 §3.2)" })))
    }
    const target = parseRequestTarget(request.url)
    if (target._tag === "Invalid") return answer(errorResponse(new BadRequest({ message: target.problem })))
    const { path, query } = target
    const allow = methodsFor(path)
    if (allow.length === 0) {
      return answer(errorResponse(new RouteNotFound({ message: `no route for ${request.method} ${shown(path)}` })))
    }
    if (!allow.includes(request.method)) {
      return answer(
        errorResponse(
          new MethodNotAllowed({ message: `${request.method} is not allowed on ${shown(path)}; use ${allow.join(", ")}`, allow })
        )
      )
    }
    const repeated = repeatedHeader(source)
    if (repeated !== undefined) {
      return answer(errorResponse(new BadRequest({ message: `the ${repeated} header must be sent once, it was sent more than once` })))
    }
    const lookup = request.method === "HEAD" ? "GET" : request.method
    const route = routesFor(path).find((found) => found.method === lookup)!
    const url = query === undefined ? route.canonicalPath : `${route.canonicalPath}?${query}`
    if (!HttpMethod.hasBody(request.method)) return { _tag: "Execute", request: preparedRequest(request, url, undefined) } as const

    if (Number(request.headers["content-length"] ?? "0") > MAX_BODY_BYTES) return answer(errorResponse(tooLarge))
    const contentType = request.headers["content-type"]
    if (contentType !== undefined && !isJsonContentType(contentType)) {
      return answer(
        errorResponse(
          new UnsupportedMediaType({
            message: `content-type must be application/json (or an application/*+json type), got ${describeValue(contentType)}`
          })
        )
      )
    }
    const text = source === undefined ? yield* Effect.orDie(request.text) : yield* readBody(source)
    if (text === tooLargeBody) return answer(errorResponse(tooLarge))
    const body = parseJsonBody(text)
    if (body._tag === "Invalid") return answer(errorResponse(new BadRequest({ message: body.problem })))
    return { _tag: "Execute", request: preparedRequest(request, url, text) } as const
  })

const tooLargeBody = Symbol("tooLargeBody")

/**
 * The body as text, or `tooLargeBody` as soon as it passes MAX_BODY_BYTES. The platform's reader
 * destroys the request once over its limit, and with it the connection, before a 413 can be written;
 * here the rest is read and dropped instead, so the 413 reaches the client. A client that goes away
 * mid-body interrupts the request: there is no one to answer.
 */
const readBody = (source: IncomingMessage) =>
  Effect.async<string | typeof tooLargeBody>((resume) => {
    const chunks: Array<Buffer> = []
    let size = 0
    let settled = false
    const settle = (effect: Effect.Effect<string | typeof tooLargeBody>) => {
      if (settled) return
      settled = true
      resume(effect)
    }
    source.on("data", (chunk: Buffer) => {
      if (settled) return
      size += chunk.length
      if (size > MAX_BODY_BYTES) settle(Effect.succeed(tooLargeBody))
      else chunks.push(chunk)
    })
    source.once("end", () => settle(Effect.succeed(Buffer.concat(chunks).toString("utf8"))))
    source.once("error", () => settle(Effect.interrupt))
    source.once("close", () => settle(source.complete ? Effect.succeed(Buffer.concat(chunks).toString("utf8")) : Effect.interrupt))
  })

/** What the platform answers with an empty body (a defect's 500, a shutdown's 503) gets a JSON body. */
const withJsonErrorBody: HttpAppModule.PreResponseHandler = (request, response) => {
  if (request.method === "HEAD" && response.body._tag === "Stream") {
    const contentType = response.body.contentType
    return Effect.succeed(HttpServerResponse.setHeader(HttpServerResponse.setBody(response, HttpBody.empty), "content-type", contentType))
  }
  if (response.status < 400 || response.body._tag !== "Empty") return Effect.succeed(response)
  const message = response.status === 503 ? "the service is stopping" : response.status >= 500 ? "internal error" : "bad request"
  return Effect.succeed(
    HttpServerResponse.setHeaders(jsonErrorWithStatus(response.status, message), response.headers)
  )
}

/** Failures a client causes (a body cut off, a route the router refused): answered, not logged as errors. */
const isClientCaused = (cause: Cause.Cause<unknown>) =>
  Cause.isInterruptedOnly(cause) ||
  Option.isSome(
    Cause.find(cause, (reason) =>
      reason._tag === "Fail" && HttpServerError.isServerError(reason.error) ? Option.some(reason.error) : Option.none()
    )
  )

/**
 * Answers in JSON, before a request reaches an endpoint, everything HttpApi would answer with an
 * empty body or a 500 (an unknown route, a wrong method, a body that is not JSON or too large or too
 * deep, a target `new URL` refuses), and keeps a request queued behind a closing connection from
 * being executed (see Connections).
 */
export const requestGuard = <E, R>(app: HttpApp.Default<E, R>) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const source = sourceOf(request)
    const turn = source === undefined ? undefined : turnOf(source)
    const connectionOpen = turn === undefined ? Effect.succeed(true) : Effect.promise(turn.connectionOpen)
    const notRun = Effect.sync(() => {
      turn?.decide(false)
      notExecuted.add(source ?? request)
      return errorResponse(new BadRequest({ message: "the connection is closing: this request was not executed" }))
    })
    const guarded = Effect.gen(function* () {
      if (!(yield* connectionOpen)) return yield* notRun
      const checked = yield* check(request, source)
      if (checked._tag === "Answer") {
        turn?.decide(checked.response.headers["connection"] !== "close")
        return checked.response
      }
      // Node's parser may have refused bytes that followed this request on its connection while its body was read.
      if (!(yield* connectionOpen)) return yield* notRun
      turn?.decide(true)
      yield* HttpAppModule.appendPreResponseHandler(withJsonErrorBody)
      return yield* Effect.provideService(app, HttpServerRequest.HttpServerRequest, checked.request)
    })
    // A request cut off before its verdict (its client went away) leaves its connection closing; a verdict given stays.
    return yield* Effect.ensuring(guarded, Effect.sync(() => turn?.decide(false)))
  }).pipe(
    Effect.tapErrorCause((cause) => (isClientCaused(cause) ? Effect.void : Effect.logError("request failed", cause)))
  )
