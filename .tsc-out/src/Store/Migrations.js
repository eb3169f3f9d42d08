import { Migrator, SqlClient } from "@effect/sql";
import { Effect } from "effect";
// Times are epoch milliseconds; `sum` is the exact decimal text of a bigint, which any SQL engine
// stores without rounding.
export const migrations = Migrator.fromRecord({
    "0001_create_runs": Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient;
        yield* sql `CREATE TABLE runs (
      id TEXT PRIMARY KEY,
      seconds INTEGER NOT NULL,
      status TEXT NOT NULL,
      successful_responses_count BIGINT NOT NULL DEFAULT 0,
      sum TEXT NOT NULL DEFAULT '0',
      created_at BIGINT NOT NULL,
      started_at BIGINT,
      ends_at BIGINT,
      finished_at BIGINT
    )`;
        yield* sql `CREATE INDEX runs_by_status ON runs (status, id)`;
    }),
    "0002_create_idempotency_keys": Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient;
        yield* sql `CREATE TABLE idempotency_keys (
      key TEXT PRIMARY KEY,
      fingerprint TEXT NOT NULL,
      run_id TEXT NOT NULL,
      created_at BIGINT NOT NULL
    )`;
        yield* sql `CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at)`;
    }),
    "0003_create_upstream_limits": Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient;
        yield* sql `CREATE TABLE upstream_limits (
      upstream TEXT PRIMARY KEY,
      concurrency_limit INTEGER NOT NULL,
      updated_at BIGINT NOT NULL
    )`;
    })
});
