import { HttpApiBuilder, HttpApp, HttpServerResponse } from "@effect/platform"
import { Duration, Effect, Option } from "effect"
import { AcceptedRun, Api } from "../Api.js"
import { MAX_WAIT_SECONDS } from "../Domain/LongPoll.js"
import { RunView, toRunView } from "../Domain/Run.js"
import { parseEventId, resumePosition } from "../Domain/RunEvents.js"
import { RunPage } from "../Domain/RunListing.js"
import { Runs } from "../Runs/Runs.js"
import { exactJsonResponse } from "./ExactJsonResponse.js"
import { RunEventSettings, runEventResponse } from "./RunEventStream.js"

/** Headers for the answer to this request, whichever it turns out to be (an error's included). */
const answerWithHeaders = (headers: Record<string, string>) =>
  HttpApp.appendPreResponseHandler((_request, response) => Effect.succeed(HttpServerResponse.setHeaders(response, headers)))

const accepted = exactJsonResponse(AcceptedRun)
const found = exactJsonResponse(RunView)
const listed = exactJsonResponse(RunPage)

export const RunsHttpLive = HttpApiBuilder.group(Api, "runs", (handlers) =>
  Effect.gen(function* () {
    const runs = yield* Runs
    const settings = yield* RunEventSettings
    return handlers
      .handle("create", ({ headers, payload }) =>
        runs.createOnce(payload.seconds, Option.fromNullable(headers["idempotency-key"])).pipe(
          Effect.tap(({ replayed, run }) =>
            answerWithHeaders({ location: `/runs/${run.id}`, ...(replayed ? { "idempotent-replayed": "true" } : {}) })
          ),
          Effect.map(({ run }) => accepted(toRunView(run))),
          Effect.tapErrorTag("TooManyRuns", (error) => answerWithHeaders({ "retry-after": String(error.retryAfterSeconds) }))
        )
      )
      .handle("list", ({ urlParams }) =>
        Effect.map(runs.page(urlParams), (page) =>
          listed(new RunPage({ runs: page.runs.map(toRunView), next_cursor: page.nextCursor }))
        )
      )
      .handle("get", ({ path, urlParams }) =>
        (urlParams.wait === undefined
          ? runs.get(path.id)
          : runs.awaitFinished(path.id, Duration.seconds(Math.min(urlParams.wait, MAX_WAIT_SECONDS)))
        ).pipe(Effect.map((run) => found(toRunView(run))))
      )
      .handle("events", ({ headers, path }) =>
        Effect.map(runs.get(path.id), (run) => {
          const lastEventId = headers["last-event-id"]
          const resumeAfter = resumePosition(run, lastEventId === undefined ? undefined : parseEventId(lastEventId))
          return resumeAfter === "complete"
            ? HttpServerResponse.empty({ status: 204 })
            : runEventResponse(runs.watch(path.id, settings.progressEvery), resumeAfter, settings.heartbeatEvery)
        })
      )
  })
)
