import { Data } from "effect"

/** Why one upstream attempt did not yield a value. Every kind is retried; none is counted. */
export type AttemptOutcome = "429" | "500" | "504" | "status" | "timeout" | "transport" | "malformed"

export class AttemptFailed extends Data.TaggedError("AttemptFailed")<{
  readonly outcome: AttemptOutcome
  readonly status?: number
  readonly detail?: string
}> {}
