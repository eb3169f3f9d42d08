import { Data } from "effect"

/** Why one upstream attempt did not yield a value. Every kind is retried; none is counted. */
export type AttemptOutcome = "429" | "500" | "504" | "status" | "timeout" | "transport" | "malformed"

// Not an Error subclass on purpose: failed attempts are routine (thousands a second) and an Error
// would capture a stack trace for each.
export class AttemptFailed extends Data.TaggedClass("AttemptFailed")<{
  readonly outcome: AttemptOutcome
  readonly status?: number
  readonly detail?: string
}> {}
