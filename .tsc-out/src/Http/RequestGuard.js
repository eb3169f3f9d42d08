import { HttpIncomingMessage, HttpMethod, HttpServerRequest, HttpServerResponse } from "@effect/platform";
import { Cause, Effect, Option } from "effect";
import { BadRequest, InternalError, MethodNotAllowed, PayloadTooLarge, RouteNotFound, UnsupportedMediaType } from "../Domain/Errors.js";
import { errorResponse } from "./ErrorResponse.js";
import { methodsFor } from "./Routes.js";
export const MAX_BODY_BYTES = 16 * 1024;
const isJsonContentType = (value) => /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(value.trim());
/**
 * Answers in JSON what HttpApi would answer with an empty body (unknown route, wrong method) or a
 * 500 (a body that is not JSON, or too large), before the request reaches an endpoint.
 */
export const requestGuard = (app) => Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest;
    const path = new URL(request.url, "http://localhost").pathname;
    const allow = methodsFor(path);
    if (allow.length === 0) {
        return errorResponse(new RouteNotFound({ message: `no route for ${request.method} ${path}` }));
    }
    if (!allow.includes(request.method)) {
        return errorResponse(new MethodNotAllowed({ message: `${request.method} is not allowed on ${path}; use ${allow.join(", ")}`, allow }));
    }
    if (HttpMethod.hasBody(request.method)) {
        const declaredLength = Number(request.headers["content-length"] ?? "0");
        if (declaredLength > MAX_BODY_BYTES) {
            return errorResponse(tooLarge);
        }
        const contentType = request.headers["content-type"];
        if (contentType !== undefined && !isJsonContentType(contentType)) {
            return errorResponse(new UnsupportedMediaType({
                message: `content-type must be application/json, got ${JSON.stringify(contentType)}`
            }));
        }
        const body = yield* request.text.pipe(HttpIncomingMessage.withMaxBodySize(Option.some(MAX_BODY_BYTES)), Effect.either);
        if (body._tag === "Left")
            return errorResponse(tooLarge);
        if (body.right.trim() === "") {
            return errorResponse(new BadRequest({ message: "the request body is empty; send a JSON object" }));
        }
        try {
            JSON.parse(body.right);
        }
        catch (error) {
            return errorResponse(new BadRequest({ message: `the request body is not valid JSON: ${error.message}` }));
        }
    }
    return yield* app;
}).pipe(Effect.catchAllCause((cause) => Effect.gen(function* () {
    if (Cause.isInterruptedOnly(cause))
        return yield* Effect.failCause(cause);
    // HttpApi answers a client that went away (a long poll or an event stream given up) with a 499.
    const clientGone = clientGoneResponse(cause);
    if (Option.isSome(clientGone))
        return clientGone.value;
    yield* Effect.logError("request failed", cause);
    return errorResponse(new InternalError({ message: "internal error" }));
})));
const clientGoneResponse = (cause) => Cause.find(cause, (reason) => {
    const value = reason._tag === "Fail" ? reason.error : reason._tag === "Die" ? reason.defect : undefined;
    return HttpServerResponse.isServerResponse(value) && value.status === 499 ? Option.some(value) : Option.none();
});
const tooLarge = new PayloadTooLarge({
    message: `the request body is larger than ${MAX_BODY_BYTES} bytes`,
    maxBytes: MAX_BODY_BYTES
});
