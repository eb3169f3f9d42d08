import type * as Http from "node:http"
import {
  Cookies,
  Headers,
  HttpClient,
  HttpClientError,
  type HttpClientRequest,
  HttpClientResponse,
  HttpIncomingMessage,
  UrlParams
} from "@effect/platform"
import * as NodeStream from "@effect/platform-node/NodeStream"
import { Effect, Inspectable, Layer, Option, type Stream } from "effect"

/**
 * The client's HTTP over node:http. Taken with process.getBuiltinModule, not `import`: an ES import of
 * node:http builds its namespace from every export, and on Node 24 that loads http2 and Node's internal
 * undici (~0.1 s of a CLI command). Fetch would load that undici too, so neither is used here.
 */
const http = process.getBuiltinModule("node:http")

const sendBody = (nodeRequest: Http.ClientRequest, request: HttpClientRequest.HttpClientRequest) => {
  const body = request.body
  switch (body._tag) {
    case "Empty":
      return Effect.sync(() => nodeRequest.end())
    case "Uint8Array":
    case "Raw":
      return Effect.sync(() => nodeRequest.end(body.body))
    default:
      // The runs API takes JSON bodies only.
      return Effect.fail(
        new HttpClientError.RequestError({ request, reason: "Encode", description: `a ${body._tag} body is not supported` })
      )
  }
}

const waitForResponse = (nodeRequest: Http.ClientRequest, request: HttpClientRequest.HttpClientRequest) =>
  Effect.async<Http.IncomingMessage, HttpClientError.RequestError>((resume) => {
    const onError = (cause: Error) => resume(Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause })))
    const onResponse = (response: Http.IncomingMessage) => resume(Effect.succeed(response))
    nodeRequest.once("error", onError)
    nodeRequest.once("response", onResponse)
    return Effect.sync(() => {
      nodeRequest.off("error", onError)
      nodeRequest.off("response", onResponse)
    })
  })

class NodeHttpResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  private cachedText: Effect.Effect<string, HttpClientError.ResponseError> | undefined

  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    private readonly source: Http.IncomingMessage
  ) {
    super()
  }

  private readonly onError = (cause: unknown): HttpClientError.ResponseError =>
    new HttpClientError.ResponseError({ request: this.request, response: this, reason: "Decode", cause })

  get status() {
    return this.source.statusCode ?? 0
  }
  get headers() {
    return Headers.fromInput(this.source.headers)
  }
  get cookies() {
    const header = this.source.headers["set-cookie"]
    return header === undefined ? Cookies.empty : Cookies.fromSetCookie(header)
  }
  get remoteAddress() {
    return Option.fromNullable(this.source.socket.remoteAddress)
  }
  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    // The body can be read once: every later read gets the same text.
    this.cachedText ??= Effect.runSync(
      Effect.cached(
        Effect.flatMap(HttpIncomingMessage.MaxBodySize, (maxBytes) =>
          NodeStream.toString(() => this.source, { onFailure: this.onError, maxBytes: Option.getOrUndefined(maxBytes) })
        )
      )
    )
    return this.cachedText
  }
  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.tryMap(this.text, { try: (text): unknown => (text === "" ? null : JSON.parse(text)), catch: this.onError })
  }
  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({ try: () => UrlParams.fromInput(new URLSearchParams(text)), catch: this.onError })
    )
  }
  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    if (this.cachedText !== undefined) return Effect.map(this.cachedText, (text) => new TextEncoder().encode(text).buffer as ArrayBuffer)
    return Effect.flatMap(HttpIncomingMessage.MaxBodySize, (maxBytes) =>
      NodeStream.toUint8Array(() => this.source, { onFailure: this.onError, maxBytes: Option.getOrUndefined(maxBytes) })
    ).pipe(Effect.map((bytes) => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer))
  }
  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return NodeStream.fromReadable<HttpClientError.ResponseError, Uint8Array>(() => this.source, this.onError)
  }
  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return Effect.fail(this.onError(new Error("form-data answers are not supported")))
  }
  toJSON(): unknown {
    return HttpIncomingMessage.inspect(this, { _id: "@effect/platform/HttpClientResponse", request: this.request.toJSON(), status: this.status })
  }
}

const fromAgents = (agents: { readonly http: Http.Agent; readonly https: () => Http.Agent }) =>
  HttpClient.make((request, url, signal) =>
    Effect.suspend(() => {
      const options = { method: request.method, headers: request.headers, signal }
      const nodeRequest =
        url.protocol === "https:"
          ? process.getBuiltinModule("node:https").request(url, { ...options, agent: agents.https() })
          : http.request(url, { ...options, agent: agents.http })
      return Effect.zipRight(sendBody(nodeRequest, request), waitForResponse(nodeRequest, request), { concurrent: true })
    }).pipe(Effect.map((response) => new NodeHttpResponse(request, response)))
  )

/** An HttpClient over node:http and node:https with keep-alive agents of its own, closed with the layer. */
export const layer: Layer.Layer<HttpClient.HttpClient> = Layer.scoped(
  HttpClient.HttpClient,
  Effect.gen(function* () {
    const httpAgent = new http.Agent({ keepAlive: true })
    let httpsAgent: Http.Agent | undefined
    yield* Effect.addFinalizer(() => Effect.sync(() => (httpAgent.destroy(), httpsAgent?.destroy())))
    return fromAgents({
      http: httpAgent,
      // node:https loads TLS: only for an https URL.
      https: () => (httpsAgent ??= new (process.getBuiltinModule("node:https").Agent)({ keepAlive: true }))
    })
  })
)
