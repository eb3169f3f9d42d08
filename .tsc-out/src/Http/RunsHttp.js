import { HttpApiBuilder } from "@effect/platform";
import { Duration, Effect, Option } from "effect";
import { Api } from "../Api.js";
import { MAX_WAIT_SECONDS } from "../Domain/LongPoll.js";
import { parseEventId } from "../Domain/RunEvents.js";
import { cursorAfter, DEFAULT_PAGE_SIZE, runIdOfCursor } from "../Domain/RunListing.js";
import { Runs } from "../Runs/Runs.js";
import { errorResponse } from "./ErrorResponse.js";
import { RunEventSettings, runEventResponse } from "./RunEventStream.js";
import { exactJsonResponse, runFields } from "./RunJson.js";
const runResponse = (run, options) => exactJsonResponse(runFields(run), options);
export const RunsHttpLive = HttpApiBuilder.group(Api, "runs", (handlers) => Effect.gen(function* () {
    const runs = yield* Runs;
    const settings = yield* RunEventSettings;
    return handlers
        .handle("create", ({ headers, payload }) => runs.createOnce(payload.seconds, Option.fromNullable(headers["idempotency-key"])).pipe(Effect.map(({ replayed, run }) => runResponse(run, {
        status: 202,
        headers: { location: `/runs/${run.id}`, ...(replayed ? { "idempotent-replayed": "true" } : {}) }
    })), 
    // Retry-After is a header, which an error schema cannot carry: answer this one by hand.
    Effect.catchTag("TooManyRuns", (error) => Effect.succeed(errorResponse(error)))))
        .handle("list", ({ urlParams }) => {
        const limit = urlParams.limit ?? DEFAULT_PAGE_SIZE;
        const after = urlParams.cursor === undefined ? undefined : runIdOfCursor(urlParams.cursor);
        return runs.list({ status: urlParams.status, after, limit: limit + 1 }).pipe(Effect.map((found) => {
            const page = found.slice(0, limit);
            const last = page[page.length - 1];
            const nextCursor = found.length > limit && last !== undefined ? cursorAfter(last.id) : null;
            return exactJsonResponse({ runs: page.map(runFields), next_cursor: nextCursor }, { status: 200 });
        }));
    })
        .handle("get", ({ path, urlParams }) => (urlParams.wait === undefined
        ? runs.get(path.id)
        : runs.awaitFinished(path.id, Duration.seconds(Math.min(urlParams.wait, MAX_WAIT_SECONDS)))).pipe(Effect.map((run) => runResponse(run, { status: 200 }))))
        .handle("events", ({ headers, path }) => Effect.map(runs.get(path.id), () => {
        const lastEventId = headers["last-event-id"];
        return runEventResponse(runs.watch(path.id, settings.progressEvery), lastEventId === undefined ? undefined : parseEventId(lastEventId), settings.heartbeatEvery);
    }));
}));
