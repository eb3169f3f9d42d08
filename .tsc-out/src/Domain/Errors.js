import { HttpApiSchema } from "@effect/platform";
import { Schema } from "effect";
export class RunNotFound extends Schema.TaggedError()("RunNotFound", { id: Schema.String, message: Schema.String }, HttpApiSchema.annotations({ status: 404 })) {
    static forId(id) {
        return new RunNotFound({ id, message: `no run with id ${id}` });
    }
}
/** The pending queue is full. `retryAfterSeconds` is also sent as the Retry-After header. */
export class TooManyRuns extends Schema.TaggedError()("TooManyRuns", { retryAfterSeconds: Schema.Int, maxPendingRuns: Schema.Int, message: Schema.String }, HttpApiSchema.annotations({ status: 429 })) {
}
export class StorageUnavailable extends Schema.TaggedError()("StorageUnavailable", { message: Schema.String }, HttpApiSchema.annotations({ status: 503 })) {
}
/** Errors the HTTP layer answers before a request reaches an endpoint (see Http/RequestGuard). */
export class BadRequest extends Schema.TaggedError()("BadRequest", { message: Schema.String }, HttpApiSchema.annotations({ status: 400 })) {
}
export class RouteNotFound extends Schema.TaggedError()("RouteNotFound", { message: Schema.String }, HttpApiSchema.annotations({ status: 404 })) {
}
export class MethodNotAllowed extends Schema.TaggedError()("MethodNotAllowed", { message: Schema.String, allow: Schema.Array(Schema.String) }, HttpApiSchema.annotations({ status: 405 })) {
}
export class PayloadTooLarge extends Schema.TaggedError()("PayloadTooLarge", { message: Schema.String, maxBytes: Schema.Int }, HttpApiSchema.annotations({ status: 413 })) {
}
export class UnsupportedMediaType extends Schema.TaggedError()("UnsupportedMediaType", { message: Schema.String }, HttpApiSchema.annotations({ status: 415 })) {
}
export class InternalError extends Schema.TaggedError()("InternalError", { message: Schema.String }, HttpApiSchema.annotations({ status: 500 })) {
}
export class IdempotencyKeyReused extends Schema.TaggedError()("IdempotencyKeyReused", { key: Schema.String, message: Schema.String }, HttpApiSchema.annotations({ status: 422 })) {
}
