import { describe, expect, it } from "@effect/vitest";
import { Effect } from "effect";
import { cursorAfter } from "../../src/Domain/RunListing.js";
import { createRun, request, stack } from "../support/servers.js";
const list = (base, query) => request(new URL(`/runs?${query}`, base));
describe("GET /runs (listing)", () => {
    it.live("pages through every run exactly once, newest first, with an opaque cursor", () => Effect.gen(function* () {
        const { base } = yield* stack({ maxConcurrentRuns: 1 });
        const created = [];
        for (let i = 0; i < 7; i++)
            created.push((yield* createRun(base, 30)).id);
        const seen = [];
        const pageSizes = [];
        let cursor = null;
        do {
            const page = yield* list(base, `limit=3${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`);
            expect(page.status).toBe(200);
            pageSizes.push(page.json.runs.length);
            seen.push(...page.json.runs.map((run) => run.id));
            cursor = page.json.next_cursor;
        } while (cursor !== null);
        expect(pageSizes).toEqual([3, 3, 1]);
        expect(seen).toEqual([...created].reverse());
        const everything = yield* list(base, "");
        expect(everything.json.runs.map((run) => run.id)).toEqual([...created].reverse());
        expect(everything.json.next_cursor).toBeNull();
    }).pipe(Effect.scoped));
    it.live("filters by status, and shows the live counters of a running run", () => Effect.gen(function* () {
        const { base } = yield* stack({ maxConcurrentRuns: 1 });
        const running = yield* createRun(base, 30);
        const pending = [yield* createRun(base, 30), yield* createRun(base, 30)];
        yield* Effect.sleep("500 millis");
        const inProgress = yield* list(base, "status=IN_PROGRESS");
        expect(inProgress.json.runs.map((run) => run.id)).toEqual([running.id]);
        expect(inProgress.json.runs[0].successful_responses_count).toBeGreaterThan(0);
        expect(inProgress.text).toMatch(/"sum":-?\d+[,}]/);
        const queued = yield* list(base, "status=PENDING&limit=1");
        expect(queued.json.runs.map((run) => run.id)).toEqual([pending[1].id]);
        const rest = yield* list(base, `status=PENDING&cursor=${queued.json.next_cursor}`);
        expect(rest.json.runs.map((run) => run.id)).toEqual([pending[0].id]);
        expect(rest.json.next_cursor).toBeNull();
        expect((yield* list(base, "status=FINISHED")).json).toEqual({ runs: [], next_cursor: null });
    }).pipe(Effect.scoped));
    it.live("bad status, limit or cursor is 400 naming the rule", () => Effect.gen(function* () {
        const { base } = yield* stack();
        const cases = [
            ["limit=0", 'limit must be a whole number from 1 to 100 (default 20), got "0"'],
            ["limit=101", 'limit must be a whole number from 1 to 100 (default 20), got "101"'],
            ["limit=2.5", 'limit must be a whole number from 1 to 100 (default 20), got "2.5"'],
            ["limit=ten", 'limit must be a whole number from 1 to 100 (default 20), got "ten"'],
            ["status=done", 'status must be PENDING, IN_PROGRESS or FINISHED, got "done"'],
            ["status=pending", 'status must be PENDING, IN_PROGRESS or FINISHED, got "pending"'],
            ["cursor=not-a-cursor", `cursor "not-a-cursor" is malformed: pass a page's next_cursor back unchanged`],
            [
                `cursor=${Buffer.from("runs-before:nope").toString("base64url")}`,
                `cursor "${Buffer.from("runs-before:nope").toString("base64url")}" is malformed: pass a page's next_cursor back unchanged`
            ],
            ["cursor=", `cursor "" is malformed: pass a page's next_cursor back unchanged`]
        ];
        for (const [query, message] of cases) {
            const answer = yield* list(base, query);
            expect(answer.status, query).toBe(400);
            expect(answer.json.issues[0].message, query).toBe(message);
        }
        // A well-formed cursor for an id older than every run is simply an empty page.
        const oldest = yield* list(base, `cursor=${cursorAfter("00000000000000000000000000")}`);
        expect(oldest.status).toBe(200);
        expect(oldest.json.runs).toEqual([]);
    }).pipe(Effect.scoped));
});
