import { HttpServerResponse } from "@effect/platform";
import { Context, Duration, Effect, Option, Stream } from "effect";
import { stringifyExact } from "../Domain/ExactJson.js";
import { eventIdOf, isAfter, positionOf } from "../Domain/RunEvents.js";
import { runFields } from "./RunJson.js";
export class RunEventSettings extends Context.Reference()("faulty-runs/RunEventSettings", {
    defaultValue: () => ({
        /** How often an IN_PROGRESS run's counters are sent (when they changed). */
        progressEvery: Duration.millis(250),
        /** How often a comment is sent, so that proxies do not close an idle stream. */
        heartbeatEvery: Duration.seconds(15)
    })
}) {
}
const encoder = new TextEncoder();
const HEARTBEAT = encoder.encode(": heartbeat\n\n");
const frame = (run, position) => encoder.encode(`id: ${eventIdOf(position)}\nevent: run\ndata: ${stringifyExact(runFields(run))}\n\n`);
/**
 * The run's states as server-sent events. A state is sent only if it is past the last one sent
 * (or past Last-Event-ID on a reconnect), so a client never sees a state twice.
 */
export const runEventResponse = (states, lastSeen, heartbeatEvery) => {
    const events = states.pipe(Stream.mapAccum(lastSeen, (last, run) => {
        const position = positionOf(run);
        return last === undefined || isAfter(position, last) ? [position, Option.some(frame(run, position))] : [last, Option.none()];
    }), Stream.filterMap((bytes) => bytes), Stream.catchAllCause((cause) => Stream.fromEffect(Effect.logError("run event stream failed", cause)).pipe(Stream.drain)));
    const heartbeats = Stream.repeatEffect(Effect.as(Effect.sleep(heartbeatEvery), HEARTBEAT));
    return HttpServerResponse.stream(Stream.merge(events, heartbeats, { haltStrategy: "left" }), {
        contentType: "text/event-stream",
        headers: { "cache-control": "no-cache", "x-accel-buffering": "no" }
    });
};
