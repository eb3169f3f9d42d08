import { Data } from "effect";
// Not an Error subclass on purpose: failed attempts are routine (thousands a second) and an Error
// would capture a stack trace for each.
export class AttemptFailed extends Data.TaggedClass("AttemptFailed") {
}
