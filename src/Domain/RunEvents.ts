import { Schema } from "effect"
import { describeValue } from "./Describe.js"
import type { Run, RunStatus } from "./Run.js"

const PHASE: { readonly [Status in RunStatus]: number } = { PENDING: 0, IN_PROGRESS: 1, FINISHED: 2 }

/**
 * An SSE event's id: the run's phase and its count, `<0|1|2>-<successful_responses_count>`. A run
 * only moves forward (phase, then count), so ids grow along its life and any server can tell from
 * a Last-Event-ID alone which states a client has already seen, with nothing kept per stream.
 */
export interface RunEventPosition {
  readonly phase: number
  readonly count: number
}

const EVENT_ID = /^([0-2])-(0|[1-9]\d{0,15})$/

export const positionOf = (run: Pick<Run, "status" | "successfulResponsesCount">): RunEventPosition => ({
  phase: PHASE[run.status],
  count: run.successfulResponsesCount
})

export const eventIdOf = (position: RunEventPosition): string => `${position.phase}-${position.count}`

export const parseEventId = (id: string): RunEventPosition | undefined => {
  const match = EVENT_ID.exec(id)
  return match === null ? undefined : { phase: Number(match[1]), count: Number(match[2]) }
}

export const isAfter = (a: RunEventPosition, b: RunEventPosition): boolean =>
  a.phase > b.phase || (a.phase === b.phase && a.count > b.count)

/**
 * Where a reconnecting stream starts, given the run now and the client's Last-Event-ID:
 * - "complete" when the run is FINISHED and the client has its final state (answered 204, which
 *   tells an EventSource to stop reconnecting);
 * - from scratch (undefined: the current state is sent at once) when the id is ahead of the run, as
 *   an id this run never sent (another run's, or from a database that was reset) says nothing of
 *   what the client has seen;
 * - otherwise after that id.
 */
export const resumePosition = (
  run: Pick<Run, "status" | "successfulResponsesCount">,
  lastSeen: RunEventPosition | undefined
): RunEventPosition | undefined | "complete" => {
  if (lastSeen === undefined) return undefined
  const now = positionOf(run)
  if (isAfter(lastSeen, now)) return undefined
  return run.status === "FINISHED" && !isAfter(now, lastSeen) ? "complete" : lastSeen
}

export const RunEventId = Schema.String.pipe(
  Schema.filter((id) => parseEventId(id) !== undefined, {
    message: (issue) =>
      `Last-Event-ID must be an id this event stream sent, like "1-42", got ${describeValue(issue.actual)}`
  })
).annotations({ description: "The id of the last event received: the stream continues after it" })
