import { HttpApiError, HttpClient, HttpClientError, HttpClientResponse } from "@effect/platform";
import { Effect, ParseResult } from "effect";
import { IdempotencyKeyReused, RunNotFound, StorageUnavailable, TooManyRuns as ServerTooManyRuns } from "../Domain/Errors.js";
import { parseExact } from "../Domain/ExactJson.js";
import { NetworkError, ServerError, TooManyRuns, ValidationError } from "./ClientErrors.js";
const isJson = (response) => /^application\/(?:[\w.+-]+\+)?json/i.test(response.headers["content-type"] ?? "");
/**
 * Rewrites a JSON answer's `sum` integers into digit strings before anything parses them, so that
 * a sum beyond 2^53 reaches the RunView schema (a bigint from a digit string) without rounding.
 */
const withExactSums = (response) => Effect.map(response.text, (text) => {
    let exact;
    try {
        exact = JSON.stringify(parseExact(text, ["sum"]));
    }
    catch {
        return response;
    }
    return HttpClientResponse.fromWeb(response.request, new Response(exact, { status: response.status, headers: response.headers }));
});
/**
 * What HttpApiClient needs in front of its decoding: exact sums, and 429 kept as a response error,
 * since the decoded error body would lose its Retry-After header.
 */
export const serverAnswers = (client) => HttpClient.transformResponse(client, Effect.flatMap((response) => {
    if (response.status === 429) {
        return Effect.fail(new HttpClientError.ResponseError({ request: response.request, response, reason: "StatusCode" }));
    }
    return isJson(response) ? withExactSums(response) : Effect.succeed(response);
}));
/** Seconds from a Retry-After header: a number of seconds, or an HTTP date. */
export const retryAfterSeconds = (header, now) => {
    if (header === undefined)
        return undefined;
    const text = header.trim();
    if (/^\d+$/.test(text))
        return Number(text);
    const date = Date.parse(text);
    return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
};
/** What an error answer says: its `_tag`, and a message for a human (the issues of a 400). */
const errorBody = (response) => response.text.pipe(Effect.map((text) => {
    try {
        const body = JSON.parse(text);
        const tag = typeof body._tag === "string" ? body._tag : undefined;
        const id = typeof body.id === "string" ? body.id : undefined;
        if (Array.isArray(body.issues) && body.issues.length > 0) {
            return { tag, id, message: body.issues.map((issue) => String(issue.message)).join("; ") };
        }
        if (typeof body.message === "string")
            return { tag, id, message: body.message };
    }
    catch {
        // not JSON: the text itself
    }
    return { tag: undefined, id: undefined, message: text.slice(0, 200) };
}), Effect.orElseSucceed(() => ({ tag: undefined, id: undefined, message: "" })));
/** The client error for an answer that is not a success (for requests made without HttpApiClient). */
export const errorFromResponse = (response) => Effect.flatMap(errorBody(response), ({ id, message, tag }) => {
    const status = response.status;
    if (status === 404 && tag === "RunNotFound" && id !== undefined)
        return Effect.fail(new RunNotFound({ id, message }));
    if (status === 429) {
        const retryAfter = retryAfterSeconds(response.headers["retry-after"], Date.now()) ?? 1;
        return Effect.fail(new TooManyRuns({ retryAfter, message: message || "too many runs" }));
    }
    if (status >= 400 && status < 500 && status !== 404) {
        return Effect.fail(new ValidationError({ status, message: message || `refused with status ${status}` }));
    }
    return Effect.fail(new ServerError({
        status,
        message: status === 404
            ? `${response.request.url} is not a faulty-runs endpoint (404): ${message}`
            : `the server answered ${status}: ${message}`
    }));
});
/** Every failure of an HttpApiClient call, as one of the client's errors. */
export const toClientError = (error) => {
    if (error instanceof RunNotFound || error instanceof IdempotencyKeyReused)
        return Effect.fail(error);
    if (error instanceof HttpApiError.HttpApiDecodeError) {
        const message = error.issues.map((issue) => issue.message).join("; ");
        return Effect.fail(new ValidationError({ status: 400, message: message || error.message }));
    }
    if (error instanceof StorageUnavailable)
        return Effect.fail(new ServerError({ status: 503, message: error.message }));
    if (error instanceof ServerTooManyRuns) {
        return Effect.fail(new TooManyRuns({ retryAfter: error.retryAfterSeconds, message: error.message }));
    }
    if (HttpClientError.isHttpClientError(error)) {
        if (error._tag === "ResponseError") {
            return error.reason === "StatusCode"
                ? errorFromResponse(error.response)
                : Effect.fail(new NetworkError({ message: `the answer broke off: ${error.message}`, cause: error }));
        }
        return error.reason === "Transport"
            ? Effect.fail(new NetworkError({ message: `cannot reach ${error.request.url}: ${describeCause(error.cause)}`, cause: error }))
            : Effect.fail(new ValidationError({ status: undefined, message: error.message }));
    }
    if (ParseResult.isParseError(error)) {
        return Effect.fail(new ServerError({ status: undefined, message: `the server's answer does not match the API: ${error.message}` }));
    }
    return Effect.die(error);
};
const describeCause = (cause) => {
    if (cause instanceof Error) {
        const inner = cause.cause;
        return inner instanceof Error ? `${cause.message} (${inner.message})` : cause.message;
    }
    return String(cause);
};
