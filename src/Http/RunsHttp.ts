import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { Effect, Schema } from "effect"
import { Api, Health } from "../Api.js"
import { stringifyExact } from "../Domain/ExactJson.js"
import { type Run, RunView, toRunView } from "../Domain/Run.js"
import { Runs } from "../Runs/Runs.js"
import { errorResponse } from "./ErrorResponse.js"

const encodeRunView = Schema.encodeSync(RunView)

/** A run as JSON, its sum written as an exact integer however large. */
const runResponse = (run: Run, options: { readonly status: number; readonly headers?: Record<string, string> }) =>
  HttpServerResponse.text(stringifyExact({ ...encodeRunView(toRunView(run)), sum: run.sum }), {
    status: options.status,
    contentType: "application/json",
    ...(options.headers === undefined ? {} : { headers: options.headers })
  })

export const RunsHttpLive = HttpApiBuilder.group(Api, "runs", (handlers) =>
  Effect.gen(function* () {
    const runs = yield* Runs
    return handlers
      .handle("create", ({ payload }) =>
        runs.create(payload.seconds).pipe(
          Effect.map((run) => runResponse(run, { status: 202, headers: { location: `/runs/${run.id}` } })),
          // Retry-After is a header, which an error schema cannot carry: answer this one by hand.
          Effect.catchTag("TooManyRuns", (error) => Effect.succeed(errorResponse(error)))
        )
      )
      .handle("get", ({ path }) => runs.get(path.id).pipe(Effect.map((run) => runResponse(run, { status: 200 }))))
  })
)

export const SystemHttpLive = HttpApiBuilder.group(Api, "system", (handlers) =>
  handlers.handle("health", () => Effect.succeed(new Health({ status: "ok" })))
)
