import { Schema } from "effect";
const PHASE = { PENDING: 0, IN_PROGRESS: 1, FINISHED: 2 };
const EVENT_ID = /^([0-2])-(0|[1-9]\d{0,15})$/;
export const positionOf = (run) => ({
    phase: PHASE[run.status],
    count: run.successfulResponsesCount
});
export const eventIdOf = (position) => `${position.phase}-${position.count}`;
export const parseEventId = (id) => {
    const match = EVENT_ID.exec(id);
    return match === null ? undefined : { phase: Number(match[1]), count: Number(match[2]) };
};
export const isAfter = (a, b) => a.phase > b.phase || (a.phase === b.phase && a.count > b.count);
export const RunEventId = Schema.String.pipe(Schema.filter((id) => parseEventId(id) !== undefined, {
    message: (issue) => `Last-Event-ID must be an id this event stream sent, like "1-42", got ${JSON.stringify(issue.actual)}`
})).annotations({ description: "The id of the last event received: the stream continues after it" });
