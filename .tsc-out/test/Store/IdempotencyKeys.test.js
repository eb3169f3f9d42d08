import { describe, expect, it } from "@effect/vitest";
import { Context, Effect, Layer, Option } from "effect";
import { RunStore } from "../../src/Store/RunStore.js";
import { countRows } from "../support/database.js";
import { tempDatabase } from "../support/servers.js";
import { pendingRun, runStoreOn } from "../support/store.js";
/** A store with its own connection, as another process on the same database would have. */
const connect = (databaseUrl) => Effect.map(Layer.build(runStoreOn(databaseUrl)), Context.get(RunStore));
describe("Idempotency-Keys in SqlRunStore", () => {
    it.scoped("one key makes one run across connections; an expired key is free again", () => Effect.gen(function* () {
        const databaseUrl = tempDatabase();
        const first = yield* connect(databaseUrl);
        const second = yield* connect(databaseUrl);
        const key = { key: "k-1", fingerprint: "f", validSince: 0 };
        const a = pendingRun(1_000);
        const b = pendingRun(1_001);
        expect(yield* first.insert(a, key)).toBe(true);
        expect(yield* second.insert(b, key)).toBe(false); // refused, and b not stored either
        expect(Option.isNone(yield* second.get(b.id))).toBe(true);
        expect(countRows(databaseUrl)).toBe(1);
        expect(yield* second.findIdempotencyKey("k-1", 0)).toEqual(Option.some({ key: "k-1", fingerprint: "f", runId: a.id, createdAt: 1_000 }));
        // Valid from 1_000 on: at validSince 1_001 the key has expired.
        expect(Option.isNone(yield* first.findIdempotencyKey("k-1", 1_001))).toBe(true);
        const c = pendingRun(90_000);
        expect(yield* second.insert(c, { ...key, validSince: 1_001 })).toBe(true);
        expect(Option.map(yield* first.findIdempotencyKey("k-1", 1_001), (record) => record.runId)).toEqual(Option.some(c.id));
        expect(countRows(databaseUrl)).toBe(2);
        expect(countRows(databaseUrl, "idempotency_keys")).toBe(1);
    }));
});
