import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

export class RunNotFound extends Schema.TaggedError<RunNotFound>()(
  "RunNotFound",
  { id: Schema.String, message: Schema.String },
  HttpApiSchema.annotations({ status: 404 })
) {
  static forId(id: string) {
    return new RunNotFound({ id, message: `no run with id ${id}` })
  }
}

/** The pending queue is full. `retryAfterSeconds` is also sent as the Retry-After header. */
export class TooManyRuns extends Schema.TaggedError<TooManyRuns>()(
  "TooManyRuns",
  { retryAfterSeconds: Schema.Int, maxPendingRuns: Schema.Int, message: Schema.String },
  HttpApiSchema.annotations({ status: 429 })
) {}

export class StorageUnavailable extends Schema.TaggedError<StorageUnavailable>()(
  "StorageUnavailable",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 503 })
) {}

/** Errors the HTTP layer answers before a request reaches an endpoint (see Http/RequestGuard). */
export class BadRequest extends Schema.TaggedError<BadRequest>()(
  "BadRequest",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 400 })
) {}

export class RouteNotFound extends Schema.TaggedError<RouteNotFound>()(
  "RouteNotFound",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 404 })
) {}

export class MethodNotAllowed extends Schema.TaggedError<MethodNotAllowed>()(
  "MethodNotAllowed",
  { message: Schema.String, allow: Schema.Array(Schema.String) },
  HttpApiSchema.annotations({ status: 405 })
) {}

export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()(
  "PayloadTooLarge",
  { message: Schema.String, maxBytes: Schema.Int },
  HttpApiSchema.annotations({ status: 413 })
) {}

export class UnsupportedMediaType extends Schema.TaggedError<UnsupportedMediaType>()(
  "UnsupportedMediaType",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 415 })
) {}

export class InternalError extends Schema.TaggedError<InternalError>()(
  "InternalError",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 500 })
) {}

export class IdempotencyKeyReused extends Schema.TaggedError<IdempotencyKeyReused>()(
  "IdempotencyKeyReused",
  { key: Schema.String, message: Schema.String },
  HttpApiSchema.annotations({ status: 422 })
) {}

/** The client took too long to send its request (Node's headers or request timeout). */
export class RequestTimeout extends Schema.TaggedError<RequestTimeout>()(
  "RequestTimeout",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 408 })
) {}

export class HeadersTooLarge extends Schema.TaggedError<HeadersTooLarge>()(
  "HeadersTooLarge",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 431 })
) {}

/** The service is stopping: the request was not executed. */
export class ShuttingDown extends Schema.TaggedError<ShuttingDown>()(
  "ShuttingDown",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 503 })
) {}

/** An Expect header other than 100-continue: the service has no such expectation to meet. */
export class ExpectationFailed extends Schema.TaggedError<ExpectationFailed>()(
  "ExpectationFailed",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 417 })
) {}
