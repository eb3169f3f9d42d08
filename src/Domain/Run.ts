import { Schema } from "effect"
import { describeValue } from "./Describe.js"
import { RunId } from "./RunId.js"

export const MAX_RUN_SECONDS = 86_400

export const RunStatus = Schema.Literal("PENDING", "IN_PROGRESS", "FINISHED")
export type RunStatus = typeof RunStatus.Type

/** A run as the engine and the store see it: times are epoch milliseconds. */
export interface Run {
  readonly id: RunId
  readonly seconds: number
  readonly status: RunStatus
  readonly successfulResponsesCount: number
  readonly sum: bigint
  readonly createdAt: number
  readonly startedAt: number | null
  readonly endsAt: number | null
  readonly finishedAt: number | null
  /** How often the run changed replicas (several replicas on PostgreSQL); absent means never. */
  readonly takeovers?: number
}

export const RunSeconds = Schema.Number.annotations({ message: () => "seconds must be a number" }).pipe(
  Schema.int({ message: () => `seconds must be a whole number from 1 to ${MAX_RUN_SECONDS}` }),
  Schema.between(1, MAX_RUN_SECONDS, {
    message: (issue) => `seconds must be from 1 to ${MAX_RUN_SECONDS}, got ${describeValue(issue.actual)}`
  })
).annotations({ description: "The run's lifetime in seconds" })

export class CreateRun extends Schema.Class<CreateRun>("CreateRun")({
  seconds: Schema.propertySignature(RunSeconds).annotations({
    missingMessage: () => "seconds is required: a whole number from 1 to 86400"
  })
}) {}

/**
 * The exact sum of the run's values. On the wire it is a JSON integer of any size (see ExactJson);
 * its encoded form here is the digit string that `parseExact` produces.
 */
export const ExactInteger = Schema.BigInt.annotations({
  jsonSchema: { type: "integer" },
  description: "An exact integer, written in JSON as a number of any size"
})

/** The fields that hold an ExactInteger, wherever a run is written or read as JSON. */
export const EXACT_INTEGER_FIELDS: ReadonlyArray<string> = ["sum"]

const Timestamp = Schema.NullOr(Schema.Date).annotations({ description: "ISO 8601 time, or null until it happens" })

export class RunView extends Schema.Class<RunView>("RunView")({
  id: RunId,
  status: RunStatus,
  seconds: Schema.Int,
  successful_responses_count: Schema.NonNegativeInt,
  sum: ExactInteger,
  created_at: Schema.Date,
  started_at: Timestamp,
  ends_at: Timestamp,
  finished_at: Timestamp,
  takeovers: Schema.optional(
    Schema.NonNegativeInt.annotations({ description: "How often another replica took the run over (0 on a single process)" })
  )
}) {}

const dateOrNull = (millis: number | null) => (millis === null ? null : new Date(millis))

/** Not validated when built: the encode that writes it as JSON checks the same fields (refinements apply both ways). */
export const toRunView = (run: Run): RunView =>
  new RunView({
    id: run.id,
    status: run.status,
    seconds: run.seconds,
    successful_responses_count: run.successfulResponsesCount,
    sum: run.sum,
    created_at: new Date(run.createdAt),
    started_at: dateOrNull(run.startedAt),
    ends_at: dateOrNull(run.endsAt),
    finished_at: dateOrNull(run.finishedAt),
    takeovers: run.takeovers ?? 0
  }, true)
