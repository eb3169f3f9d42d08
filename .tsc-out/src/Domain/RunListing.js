import { Schema } from "effect";
import { RunStatus, RunView } from "./Run.js";
import { RunId } from "./RunId.js";
import { numberParam } from "./QueryParams.js";
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
const CURSOR_PREFIX = "runs-before:";
const isRunId = Schema.is(RunId);
/** The id of the last run of a page, which the next page starts after (ids sort by creation time). */
export const cursorAfter = (id) => Buffer.from(CURSOR_PREFIX + id).toString("base64url");
export const runIdOfCursor = (cursor) => {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor))
        return undefined;
    const text = Buffer.from(cursor, "base64url").toString("utf8");
    const id = text.startsWith(CURSOR_PREFIX) ? text.slice(CURSOR_PREFIX.length) : undefined;
    return id !== undefined && isRunId(id) ? id : undefined;
};
/** Opaque to callers: pass a page's `next_cursor` back unchanged. */
export const RunCursor = Schema.String.pipe(Schema.filter((cursor) => runIdOfCursor(cursor) !== undefined, {
    message: (issue) => `cursor ${JSON.stringify(issue.actual)} is malformed: pass a page's next_cursor back unchanged`
}), Schema.brand("RunCursor")).annotations({ description: "A page's next_cursor, passed back unchanged" });
export const StatusFilter = RunStatus.annotations({
    message: (issue) => ({
        message: `status must be PENDING, IN_PROGRESS or FINISHED, got ${JSON.stringify(issue.actual)}`,
        override: true
    })
});
export const PageSize = numberParam({
    name: "limit",
    min: 1,
    max: MAX_PAGE_SIZE,
    whole: true,
    rule: `a whole number from 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})`
});
export const ListRunsParams = Schema.Struct({
    status: Schema.optionalWith(StatusFilter, { exact: true }),
    limit: Schema.optionalWith(PageSize, { exact: true }),
    cursor: Schema.optionalWith(RunCursor, { exact: true })
});
export class RunPage extends Schema.Class("RunPage")({
    runs: Schema.Array(RunView),
    next_cursor: Schema.NullOr(Schema.String).annotations({ description: "null on the last page" })
}) {
}
