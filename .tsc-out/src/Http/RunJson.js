import { HttpServerResponse } from "@effect/platform";
import { Schema } from "effect";
import { stringifyExact } from "../Domain/ExactJson.js";
import { RunView, toRunView } from "../Domain/Run.js";
const encodeRunView = Schema.encodeSync(RunView);
/** A run as its JSON fields, with `sum` left a bigint for stringifyExact to write exactly. */
export const runFields = (run) => ({ ...encodeRunView(toRunView(run)), sum: run.sum });
/** A JSON response whose runs' sums are written as exact integers however large. */
export const exactJsonResponse = (body, options) => HttpServerResponse.text(stringifyExact(body), {
    status: options.status,
    contentType: "application/json",
    ...(options.headers === undefined ? {} : { headers: options.headers })
});
