import { HttpServerResponse } from "@effect/platform";
import { Schema } from "effect";
import { BadRequest, InternalError, MethodNotAllowed, PayloadTooLarge, RouteNotFound, StorageUnavailable, TooManyRuns, UnsupportedMediaType } from "../Domain/Errors.js";
const HttpError = Schema.Union(BadRequest, RouteNotFound, MethodNotAllowed, PayloadTooLarge, UnsupportedMediaType, TooManyRuns, StorageUnavailable, InternalError);
const encodeHttpError = Schema.encodeSync(HttpError);
const statusOf = {
    BadRequest: 400,
    RouteNotFound: 404,
    MethodNotAllowed: 405,
    PayloadTooLarge: 413,
    UnsupportedMediaType: 415,
    TooManyRuns: 429,
    StorageUnavailable: 503,
    InternalError: 500
};
const headersOf = (error) => {
    switch (error._tag) {
        case "TooManyRuns":
            return { "retry-after": String(error.retryAfterSeconds) };
        case "MethodNotAllowed":
            return { allow: error.allow.join(", ") };
        case "PayloadTooLarge":
            return { connection: "close" };
        default:
            return {};
    }
};
/** The JSON response for an error, with the headers its status calls for (Retry-After, Allow). */
export const errorResponse = (error) => HttpServerResponse.unsafeJson(encodeHttpError(error), { status: statusOf[error._tag], headers: headersOf(error) });
