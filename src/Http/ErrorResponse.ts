import { HttpApiSchema, HttpServerResponse } from "@effect/platform"
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
  UnsupportedMediaType
} from "../Domain/Errors.js"

const httpErrors = [
  BadRequest,
  RouteNotFound,
  MethodNotAllowed,
  RequestTimeout,
  PayloadTooLarge,
  UnsupportedMediaType,
  ExpectationFailed,
  HeadersTooLarge,
  StorageUnavailable,
  ShuttingDown,
  InternalError
] as const
const HttpError = Schema.Union(...httpErrors)
type HttpError = typeof HttpError.Type
const encodeHttpError = Schema.encodeSync(HttpError)

const statusOfTag = new Map<string, number>(httpErrors.map((error) => [error._tag, HttpApiSchema.getStatusErrorAST(error.ast)]))
/** An error's status, as its schema's HttpApiSchema annotation declares it (Domain/Errors). */
export const statusOf = (error: HttpError): number => statusOfTag.get(error._tag)!

/** Errors after which the connection is closed: what follows on it cannot be trusted to be a request. */
const closesConnection: ReadonlySet<HttpError["_tag"]> = new Set(["PayloadTooLarge", "RequestTimeout", "HeadersTooLarge"])

const headersOf = (error: HttpError): Record<string, string> => {
  switch (error._tag) {
    case "MethodNotAllowed":
      return { allow: error.allow.join(", ") }
    default:
      return closesConnection.has(error._tag) ? { connection: "close" } : {}
  }
}

/** The JSON response for an error, with the headers its status calls for (Allow, Connection: close). */
export const errorResponse = (error: HttpError): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.unsafeJson(encodeHttpError(error), { status: statusOf(error), headers: headersOf(error) })

/** The error an answer of a bare status (one Node or the router made) is given as its body. */
const bareStatusErrors: ReadonlyArray<readonly [Schema.Schema.Any, (message: string) => HttpError]> = [
  [RouteNotFound, (message) => new RouteNotFound({ message })],
  [RequestTimeout, (message) => new RequestTimeout({ message })],
  [PayloadTooLarge, (message) => new PayloadTooLarge({ message, maxBytes: 0 })],
  [UnsupportedMediaType, (message) => new UnsupportedMediaType({ message })],
  [ExpectationFailed, (message) => new ExpectationFailed({ message })],
  [HeadersTooLarge, (message) => new HeadersTooLarge({ message })],
  [ShuttingDown, (message) => new ShuttingDown({ message })]
]
const errorOfBareStatus = new Map(bareStatusErrors.map(([error, make]) => [HttpApiSchema.getStatusErrorAST(error.ast), make]))

const errorOfStatus = (status: number, message: string): HttpError => {
  const make = errorOfBareStatus.get(status)
  if (make !== undefined) return make(message)
  return status >= 400 && status < 500 ? new BadRequest({ message }) : new InternalError({ message })
}

/** A JSON error body for an answer that would otherwise go out empty, keeping its status. */
export const jsonErrorWithStatus = (status: number, message: string): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.unsafeJson(encodeHttpError(errorOfStatus(status, message)), { status })

/** A JSON error's body as text, for answers written with Node's own response (see Connections). */
export const errorBody = (error: HttpError): string => JSON.stringify(encodeHttpError(error))

/** The raw bytes of a JSON error answer, for the few answers written straight to a socket (parse errors). */
export const rawErrorAnswer = (error: HttpError): string => {
  const body = errorBody(error)
  const status = statusOf(error)
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
