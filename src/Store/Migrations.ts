import { Migrator, SqlClient } from "@effect/sql"
import { Effect } from "effect"

// Times are epoch milliseconds; `sum` is the exact decimal text of a bigint, which any SQL engine
// stores without rounding.
export const migrations = Migrator.fromRecord({
  "0001_create_runs": Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`CREATE TABLE runs (
      id TEXT PRIMARY KEY,
      seconds INTEGER NOT NULL,
      status TEXT NOT NULL,
      successful_responses_count BIGINT NOT NULL DEFAULT 0,
      sum TEXT NOT NULL DEFAULT '0',
      created_at BIGINT NOT NULL,
      started_at BIGINT,
      ends_at BIGINT,
      finished_at BIGINT
    )`
    yield* sql`CREATE INDEX runs_by_status ON runs (status, id)`
  }),
  "0002_create_idempotency_keys": Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`CREATE TABLE idempotency_keys (
      key TEXT PRIMARY KEY,
      fingerprint TEXT NOT NULL,
      run_id TEXT NOT NULL,
      created_at BIGINT NOT NULL
    )`
    yield* sql`CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at)`
  }),
  "0003_create_upstream_limits": Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`CREATE TABLE upstream_limits (
      upstream TEXT PRIMARY KEY,
      concurrency_limit INTEGER NOT NULL,
      updated_at BIGINT NOT NULL
    )`
  }),
  // Several replicas on PostgreSQL: the admission order (`seq`, given under the admission lock), who
  // holds a run (`owner`, `epoch`, `lease_until` by the database clock) and how often it changed hands.
  // SQLite, one process, keeps the columns unused apart from `takeovers` (always 0).
  "0004_add_leases": Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`ALTER TABLE runs ADD COLUMN owner TEXT`
    yield* sql`ALTER TABLE runs ADD COLUMN epoch BIGINT NOT NULL DEFAULT 0`
    yield* sql`ALTER TABLE runs ADD COLUMN takeovers INTEGER NOT NULL DEFAULT 0`
    yield* sql`ALTER TABLE runs ADD COLUMN lease_losses INTEGER NOT NULL DEFAULT 0`
    yield* sql`ALTER TABLE runs ADD COLUMN finish_reason TEXT`
    yield* sql.onDialectOrElse({
      pg: () =>
        Effect.all([
          sql`ALTER TABLE runs ADD COLUMN seq BIGSERIAL`,
          sql`ALTER TABLE runs ADD COLUMN lease_until TIMESTAMPTZ`,
          sql`CREATE INDEX runs_pending_by_seq ON runs (seq) WHERE status = 'PENDING'`,
          sql`CREATE INDEX runs_in_progress_by_lease ON runs (lease_until) WHERE status = 'IN_PROGRESS'`
        ], { discard: true }),
      orElse: () => Effect.void
    })
  })
})
