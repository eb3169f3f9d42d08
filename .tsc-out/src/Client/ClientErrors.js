import { Data } from "effect";
import { IdempotencyKeyReused, RunNotFound } from "../Domain/Errors.js";
// The server's own errors, as it sends them.
export { IdempotencyKeyReused, RunNotFound };
/**
 * The queue of runs is full. `retryAfter` is the server's Retry-After header in seconds (the
 * server's error body has the same number, but a proxy may only keep the header).
 */
export class TooManyRuns extends Data.TaggedError("TooManyRuns") {
}
/** The request was refused as invalid (400), or was found invalid before it was sent. */
export class ValidationError extends Data.TaggedError("ValidationError") {
}
/** The server failed (5xx), or answered something this client does not understand. */
export class ServerError extends Data.TaggedError("ServerError") {
}
/** No answer: the connection was refused, reset or broken. */
export class NetworkError extends Data.TaggedError("NetworkError") {
}
/** The run did not finish within the time the caller allowed. */
export class TimeoutError extends Data.TaggedError("TimeoutError") {
}
