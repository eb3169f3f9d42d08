import { Sse } from "@effect/experimental";
import { HttpClient, HttpClientRequest } from "@effect/platform";
import { Effect, Schedule, Schema, Stream } from "effect";
import { parseExact } from "../Domain/ExactJson.js";
import { RunView } from "../Domain/Run.js";
import { parseEventId } from "../Domain/RunEvents.js";
import { NetworkError, ServerError } from "./ClientErrors.js";
import { errorFromResponse, toClientError } from "./ServerAnswers.js";
const decodeRunView = Schema.decodeUnknown(RunView);
const reconnects = Schedule.exponential("200 millis").pipe(Schedule.jittered, Schedule.intersect(Schedule.recurs(5)));
/**
 * GET /runs/{id}/events as a stream of run states, until the run is FINISHED. A connection that
 * breaks (or a server that shuts down) before then is resumed with Last-Event-ID, so no state is
 * seen twice; five failed reconnects in a row end the stream with a NetworkError.
 */
export const runEventStream = (httpClient, url, lastEventId) => Stream.suspend(() => {
    let resumeAfter = lastEventId;
    let finished = lastEventId !== undefined && parseEventId(lastEventId)?.phase === 2;
    if (finished)
        return Stream.empty;
    const connect = Effect.suspend(() => httpClient.execute(HttpClientRequest.get(url, {
        headers: {
            accept: "text/event-stream",
            ...(resumeAfter === undefined ? {} : { "last-event-id": resumeAfter })
        }
    }))).pipe(Effect.catchAll(toClientError), Effect.flatMap((response) => (response.status === 200 ? Effect.succeed(response) : errorFromResponse(response))));
    const oneConnection = Stream.unwrapScoped(Effect.map(connect, (response) => response.stream.pipe(Stream.decodeText(), Stream.pipeThroughChannel(Sse.makeChannel()), Stream.catchAll((error) => Stream.fail(new NetworkError({ message: `the event stream broke off: ${error.message}`, cause: error })))))).pipe(Stream.filter((event) => event.event === "run"), Stream.mapEffect((event) => Effect.try(() => parseExact(event.data, ["sum"])).pipe(Effect.flatMap(decodeRunView), Effect.mapError((error) => new ServerError({ status: undefined, message: `an event does not match the API: ${error.message}` })), Effect.tap((run) => Effect.sync(() => {
        resumeAfter = event.id ?? resumeAfter;
        finished = run.status === "FINISHED";
    })))), Stream.concat(Stream.suspend(() => finished ? Stream.empty : Stream.fail(new NetworkError({ message: "the event stream ended before the run finished" })))));
    return oneConnection.pipe(Stream.retry(Schedule.whileInput(reconnects, (error) => error._tag === "NetworkError")));
});
