import { HttpApiError, HttpClient, HttpClientError, HttpClientResponse, HttpIncomingMessage, UrlParams } from "@effect/platform"
import { Effect, Inspectable, ParseResult, Stream } from "effect"
import { IdempotencyKeyReused, RunNotFound, StorageUnavailable, TooManyRuns as ServerTooManyRuns } from "../Domain/Errors.js"
import { parseExact } from "../Domain/ExactJson.js"
import { NetworkError, type RunsClientError, ServerError, TooManyRuns, ValidationError } from "./ClientErrors.js"

const isJson = (response: HttpClientResponse.HttpClientResponse) =>
  /^application\/(?:[\w.+-]+\+)?json/i.test(response.headers["content-type"] ?? "")

/**
 * `response` with `text` for its body (the original body already read). Not a web Response: building
 * one loads Node's internal undici, a large part of a CLI command's start-up.
 */
class ResponseWithText extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId

  constructor(
    private readonly original: HttpClientResponse.HttpClientResponse,
    private readonly body: string
  ) {
    super()
  }

  get request() {
    return this.original.request
  }
  get status() {
    return this.original.status
  }
  get headers() {
    return this.original.headers
  }
  get cookies() {
    return this.original.cookies
  }
  get remoteAddress() {
    return this.original.remoteAddress
  }
  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return Effect.succeed(this.body)
  }
  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.try({ try: (): unknown => (this.body === "" ? null : JSON.parse(this.body)), catch: this.decodeError })
  }
  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.try({ try: () => UrlParams.fromInput(new URLSearchParams(this.body)), catch: this.decodeError })
  }
  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return Effect.sync(() => new TextEncoder().encode(this.body).buffer as ArrayBuffer)
  }
  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return Stream.succeed(new TextEncoder().encode(this.body))
  }
  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return this.original.formData
  }
  private readonly decodeError = (cause: unknown): HttpClientError.ResponseError =>
    new HttpClientError.ResponseError({ request: this.request, response: this, reason: "Decode", cause })

  toJSON(): unknown {
    return HttpIncomingMessage.inspect(this, { _id: "@effect/platform/HttpClientResponse", request: this.request.toJSON(), status: this.status })
  }
}

/**
 * Rewrites a JSON answer's `sum` integers into digit strings before anything parses them, so that
 * a sum beyond 2^53 reaches the RunView schema (a bigint from a digit string) without rounding.
 */
const withExactSums = (response: HttpClientResponse.HttpClientResponse) =>
  Effect.map(response.text, (text): HttpClientResponse.HttpClientResponse => {
    let exact: string
    try {
      exact = JSON.stringify(parseExact(text, ["sum"]))
    } catch {
      return response
    }
    return new ResponseWithText(response, exact)
  })

/**
 * What HttpApiClient needs in front of its decoding: exact sums, and 429 kept as a response error,
 * since the decoded error body would lose its Retry-After header.
 */
export const serverAnswers = (client: HttpClient.HttpClient): HttpClient.HttpClient =>
  HttpClient.transformResponse(
    client,
    Effect.flatMap((response) => {
      if (response.status === 429) {
        return Effect.fail(
          new HttpClientError.ResponseError({ request: response.request, response, reason: "StatusCode" })
        )
      }
      return isJson(response) ? withExactSums(response) : Effect.succeed(response)
    })
  )

/** Seconds from a Retry-After header: a number of seconds, or an HTTP date. */
export const retryAfterSeconds = (header: string | undefined, now: number): number | undefined => {
  if (header === undefined) return undefined
  const text = header.trim()
  if (/^\d+$/.test(text)) return Number(text)
  const date = Date.parse(text)
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000))
}

interface ErrorBody {
  readonly tag: string | undefined
  readonly id: string | undefined
  readonly message: string
}

/** What an error answer says: its `_tag`, and a message for a human (the issues of a 400). */
const errorBody = (response: HttpClientResponse.HttpClientResponse) =>
  response.text.pipe(
    Effect.map((text): ErrorBody => {
      try {
        const body = JSON.parse(text) as { _tag?: unknown; id?: unknown; message?: unknown; issues?: Array<{ message?: unknown }> }
        const tag = typeof body._tag === "string" ? body._tag : undefined
        const id = typeof body.id === "string" ? body.id : undefined
        if (Array.isArray(body.issues) && body.issues.length > 0) {
          return { tag, id, message: body.issues.map((issue) => String(issue.message)).join("; ") }
        }
        if (typeof body.message === "string") return { tag, id, message: body.message }
      } catch {
        // not JSON: the text itself
      }
      return { tag: undefined, id: undefined, message: text.slice(0, 200) }
    }),
    Effect.orElseSucceed((): ErrorBody => ({ tag: undefined, id: undefined, message: "" }))
  )

/** The client error for an answer that is not a success (for requests made without HttpApiClient). */
export const errorFromResponse = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<never, RunsClientError> =>
  Effect.flatMap(errorBody(response), ({ id, message, tag }): Effect.Effect<never, RunsClientError> => {
    const status = response.status
    if (status === 404 && tag === "RunNotFound" && id !== undefined) return Effect.fail(new RunNotFound({ id, message }))
    if (status === 429) {
      const retryAfter = retryAfterSeconds(response.headers["retry-after"], Date.now()) ?? 1
      return Effect.fail(new TooManyRuns({ retryAfter, message: message || "too many runs" }))
    }
    if (status >= 400 && status < 500 && status !== 404) {
      return Effect.fail(new ValidationError({ status, message: message || `refused with status ${status}` }))
    }
    return Effect.fail(
      new ServerError({
        status,
        message:
          status === 404
            ? `${response.request.url} is not a faulty-runs endpoint (404): ${message}`
            : `the server answered ${status}: ${message}`
      })
    )
  })

/** Every failure of an HttpApiClient call, as one of the client's errors. */
export const toClientError = (error: unknown): Effect.Effect<never, RunsClientError> => {
  if (error instanceof RunNotFound || error instanceof IdempotencyKeyReused) return Effect.fail(error)
  if (error instanceof HttpApiError.HttpApiDecodeError) {
    const message = error.issues.map((issue) => issue.message).join("; ")
    return Effect.fail(new ValidationError({ status: 400, message: message || error.message }))
  }
  if (error instanceof StorageUnavailable) return Effect.fail(new ServerError({ status: 503, message: error.message }))
  if (error instanceof ServerTooManyRuns) {
    return Effect.fail(new TooManyRuns({ retryAfter: error.retryAfterSeconds, message: error.message }))
  }
  if (HttpClientError.isHttpClientError(error)) {
    if (error._tag === "ResponseError") {
      return error.reason === "StatusCode"
        ? errorFromResponse(error.response)
        : Effect.fail(new NetworkError({ message: `the answer broke off: ${error.message}`, cause: error }))
    }
    return error.reason === "Transport"
      ? Effect.fail(new NetworkError({ message: `cannot reach ${error.request.url}: ${describeCause(error.cause)}`, cause: error }))
      : Effect.fail(new ValidationError({ status: undefined, message: error.message }))
  }
  if (ParseResult.isParseError(error)) {
    return Effect.fail(new ServerError({ status: undefined, message: `the server's answer does not match the API: ${error.message}` }))
  }
  return Effect.die(error)
}

const describeCause = (cause: unknown): string => {
  if (cause instanceof Error) {
    const inner = (cause as { cause?: unknown }).cause
    return inner instanceof Error ? `${cause.message} (${inner.message})` : cause.message
  }
  return String(cause)
}
