import { HttpServerResponse } from "@effect/platform"
import { Schema } from "effect"
import { stringifyExact } from "../Domain/ExactJson.js"
import { type Run, RunView, toRunView } from "../Domain/Run.js"

const encodeRunView = Schema.encodeSync(RunView)

/** A run as its JSON fields, with `sum` left a bigint for stringifyExact to write exactly. */
export const runFields = (run: Run) => ({ ...encodeRunView(toRunView(run)), sum: run.sum })

/** A JSON response whose runs' sums are written as exact integers however large. */
export const exactJsonResponse = (
  body: unknown,
  options: { readonly status: number; readonly headers?: Record<string, string> }
) =>
  HttpServerResponse.text(stringifyExact(body), {
    status: options.status,
    contentType: "application/json",
    ...(options.headers === undefined ? {} : { headers: options.headers })
  })
