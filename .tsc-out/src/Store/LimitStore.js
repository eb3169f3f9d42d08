import { SqlClient } from "@effect/sql";
import { Context, Effect, Layer, Option } from "effect";
/** The upstream concurrency limit learned last time, per upstream URL, so a restart need not relearn it. */
export class LimitStore extends Context.Tag("faulty-runs/LimitStore")() {
}
// A learned limit is an optimisation: a storage failure only costs a fast start, so it is logged and ignored.
export const SqlLimitStoreLive = Layer.effect(LimitStore, Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient;
    return LimitStore.of({
        load: (upstream) => sql `SELECT concurrency_limit FROM upstream_limits WHERE upstream = ${upstream}`.pipe(Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), (row) => Number(row.concurrency_limit))), Effect.catchAll((error) => Effect.as(Effect.logWarning("could not load the learned limit", error.message), Option.none()))),
        save: (upstream, limit, at) => sql `INSERT INTO upstream_limits (upstream, concurrency_limit, updated_at) VALUES (${upstream}, ${limit}, ${at})
            ON CONFLICT (upstream) DO UPDATE SET concurrency_limit = ${limit}, updated_at = ${at}`.pipe(Effect.asVoid, Effect.catchAll((error) => Effect.logWarning("could not save the learned limit", error.message)))
    });
}));
