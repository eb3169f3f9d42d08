import { HttpServerResponse } from "@effect/platform"
import { Schema } from "effect"
import {
  BadRequest,
  ExpectationFailed,
  HeadersTooLarge,
  InternalError,
  MethodNotAllowed,
  PayloadTooLarge,
  RequestTimeout,
  RouteNotFound,
  ShuttingDown,
  StorageUnavailable,
  TooManyRuns,
  UnsupportedMediaType
} from "../Domain/Errors.js"

const HttpError = Schema.Union(
  BadRequest,
  RouteNotFound,
  MethodNotAllowed,
  RequestTimeout,
  PayloadTooLarge,
  UnsupportedMediaType,
  ExpectationFailed,
  HeadersTooLarge,
  TooManyRuns,
  StorageUnavailable,
  ShuttingDown,
  InternalError
)
type HttpError = typeof HttpError.Type
const encodeHttpError = Schema.encodeSync(HttpError)

const statusOf: { readonly [Tag in HttpError["_tag"]]: number } = {
  BadRequest: 400,
  RouteNotFound: 404,
  MethodNotAllowed: 405,
  RequestTimeout: 408,
  PayloadTooLarge: 413,
  UnsupportedMediaType: 415,
  ExpectationFailed: 417,
  HeadersTooLarge: 431,
  TooManyRuns: 429,
  StorageUnavailable: 503,
  ShuttingDown: 503,
  InternalError: 500
}

/** Errors after which the connection is closed: what follows on it cannot be trusted to be a request. */
const closesConnection: ReadonlySet<HttpError["_tag"]> = new Set(["PayloadTooLarge", "RequestTimeout", "HeadersTooLarge"])

const headersOf = (error: HttpError): Record<string, string> => {
  switch (error._tag) {
    case "TooManyRuns":
      return { "retry-after": String(error.retryAfterSeconds) }
    case "MethodNotAllowed":
      return { allow: error.allow.join(", ") }
    default:
      return closesConnection.has(error._tag) ? { connection: "close" } : {}
  }
}

/** The JSON response for an error, with the headers its status calls for (Retry-After, Allow). */
export const errorResponse = (error: HttpError): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.unsafeJson(encodeHttpError(error), { status: statusOf[error._tag], headers: headersOf(error) })

const errorOfStatus = (status: number, message: string): HttpError => {
  switch (status) {
    case 404:
      return new RouteNotFound({ message })
    case 408:
      return new RequestTimeout({ message })
    case 413:
      return new PayloadTooLarge({ message, maxBytes: 0 })
    case 415:
      return new UnsupportedMediaType({ message })
    case 417:
      return new ExpectationFailed({ message })
    case 431:
      return new HeadersTooLarge({ message })
    case 503:
      return new ShuttingDown({ message })
    default:
      return status >= 400 && status < 500 ? new BadRequest({ message }) : new InternalError({ message })
  }
}

/** A JSON error body for an answer that would otherwise go out empty, keeping its status. */
export const jsonErrorWithStatus = (status: number, message: string): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.unsafeJson(encodeHttpError(errorOfStatus(status, message)), { status })

/** A JSON error's body as text, for answers written with Node's own response (see Connections). */
export const errorBody = (error: HttpError): string => JSON.stringify(encodeHttpError(error))

/** The raw bytes of a JSON error answer, for the few answers written straight to a socket (parse errors). */
export const rawErrorAnswer = (error: HttpError): string => {
  const body = errorBody(error)
  const status = statusOf[error._tag]
  return (
    `HTTP/1.1 ${status} ${reasonPhrase[status] ?? "Error"}\r\n` +
    `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
  )
}

const reasonPhrase: Record<number, string> = {
  400: "Bad Request",
  408: "Request Timeout",
  413: "Content Too Large",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error"
}
