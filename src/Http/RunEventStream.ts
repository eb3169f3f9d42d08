import { HttpServerResponse } from "@effect/platform"
import { Context, Duration, Effect, Option, Stream } from "effect"
import { type Run, RunView, toRunView } from "../Domain/Run.js"
import { eventIdOf, isAfter, positionOf, type RunEventPosition } from "../Domain/RunEvents.js"
import { exactJsonText } from "./ExactJsonResponse.js"

export class RunEventSettings extends Context.Reference<RunEventSettings>()("faulty-runs/RunEventSettings", {
  defaultValue: () => ({
    /** How often an IN_PROGRESS run's counters are sent (when they changed). */
    progressEvery: Duration.millis(250),
    /** How often a comment is sent, so that proxies do not close an idle stream. */
    heartbeatEvery: Duration.seconds(15)
  })
}) {}

const encoder = new TextEncoder()
const HEARTBEAT = encoder.encode(": heartbeat\n\n")
/**
 * Sent first, so that the headers go out at once even when no state is due yet. A comment, not a
 * `retry:` field: @effect/experimental's Sse parser pauses for that long on every `retry:` it reads.
 */
const OPENING = encoder.encode(": open\n\n")

const runJson = exactJsonText(RunView)

const frame = (run: Run, position: RunEventPosition) =>
  encoder.encode(`id: ${eventIdOf(position)}\nevent: run\ndata: ${runJson(toRunView(run))}\n\n`)

/**
 * The run's states as server-sent events. A state is sent only if it is past the last one sent
 * (or past Last-Event-ID on a reconnect), so a client never sees a state twice.
 */
export const runEventResponse = <E>(
  states: Stream.Stream<Run, E>,
  lastSeen: RunEventPosition | undefined,
  heartbeatEvery: Duration.Duration
) => {
  const events = states.pipe(
    Stream.mapAccum(lastSeen, (last, run): [RunEventPosition | undefined, Option.Option<Uint8Array>] => {
      const position = positionOf(run)
      return last === undefined || isAfter(position, last) ? [position, Option.some(frame(run, position))] : [last, Option.none()]
    }),
    Stream.filterMap((bytes) => bytes),
    Stream.catchAllCause((cause) => Stream.fromEffect(Effect.logError("run event stream failed", cause)).pipe(Stream.drain))
  )
  const heartbeats = Stream.repeatEffect(Effect.as(Effect.sleep(heartbeatEvery), HEARTBEAT))
  return HttpServerResponse.stream(Stream.concat(Stream.succeed(OPENING), Stream.merge(events, heartbeats, { haltStrategy: "left" })), {
    contentType: "text/event-stream",
    headers: { "cache-control": "no-cache", "x-accel-buffering": "no" }
  })
}
