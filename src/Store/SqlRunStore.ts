import { SqlClient, type SqlError } from "@effect/sql"
import { Effect, Layer, Option } from "effect"
import { StorageUnavailable } from "../Domain/Errors.js"
import type { Run, RunStatus } from "../Domain/Run.js"
import type { RunId } from "../Domain/RunId.js"
import { type IdempotencyKeyRecord, RunStore, type RunTotals } from "./RunStore.js"

interface IdempotencyKeyRow {
  readonly key: string
  readonly fingerprint: string
  readonly run_id: string
  readonly created_at: number | string
}

export interface RunRow {
  readonly id: string
  readonly seconds: number | string
  readonly status: string
  readonly successful_responses_count: number | string
  readonly sum: string
  readonly created_at: number | string
  readonly started_at: number | string | null
  readonly ends_at: number | string | null
  readonly finished_at: number | string | null
  readonly takeovers?: number | string | null
}

interface TotalsRow {
  readonly status: string
  readonly runs: number | string
  readonly successes: number | string | null
  readonly mean_rate: number | string | null
}

const none = () => ({ runs: 0, successes: 0 })

// Drivers differ: SQLite gives BIGINT back as a number, PostgreSQL as a string.
const millisOrNull = (value: number | string | null) => (value === null ? null : Number(value))

export const fromRow = (row: RunRow): Run => withTakeovers(row, {
  id: row.id as RunId,
  seconds: Number(row.seconds),
  status: row.status as RunStatus,
  successfulResponsesCount: Number(row.successful_responses_count),
  sum: BigInt(row.sum),
  createdAt: Number(row.created_at),
  startedAt: millisOrNull(row.started_at),
  endsAt: millisOrNull(row.ends_at),
  finishedAt: millisOrNull(row.finished_at)
})

// Only runs that changed replicas carry the field, so a single process reads runs as it always did.
const withTakeovers = (row: RunRow, run: Run): Run => {
  const takeovers = Number(row.takeovers ?? 0)
  return takeovers > 0 ? { ...run, takeovers } : run
}

const fromKeyRow = (row: IdempotencyKeyRow): IdempotencyKeyRecord => ({
  key: row.key,
  fingerprint: row.fingerprint,
  runId: row.run_id as RunId,
  createdAt: Number(row.created_at)
})

export const unavailable = (operation: string) => (error: SqlError.SqlError) =>
  Effect.logError("storage failure", operation, error.message).pipe(
    Effect.zipRight(Effect.fail(new StorageUnavailable({ message: `storage is unavailable (${operation})` })))
  )

export const makeSqlRunStore = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  return RunStore.of({
    insert: (run, key) => {
      const insertRun = sql`INSERT INTO runs ${sql.insert({
        id: run.id,
        seconds: run.seconds,
        status: run.status,
        successful_responses_count: run.successfulResponsesCount,
        sum: run.sum.toString(),
        created_at: run.createdAt,
        started_at: run.startedAt,
        ends_at: run.endsAt,
        finished_at: run.finishedAt
      })}`
      if (key === undefined) return insertRun.pipe(Effect.as(true), Effect.catchAll(unavailable("insert")))
      return Effect.gen(function* () {
        yield* sql`DELETE FROM idempotency_keys WHERE created_at < ${key.validSince}`
        // The primary key decides a race between processes: the loser inserts nothing.
        const claimed = yield* sql`INSERT INTO idempotency_keys ${sql.insert({
          key: key.key,
          fingerprint: key.fingerprint,
          run_id: run.id,
          created_at: run.createdAt
        })} ON CONFLICT (key) DO NOTHING RETURNING key`
        if (claimed.length === 0) return false
        yield* insertRun
        return true
      }).pipe(sql.withTransaction, Effect.catchAll(unavailable("insert")))
    },

    findIdempotencyKey: (key, validSince) =>
      sql<IdempotencyKeyRow>`SELECT * FROM idempotency_keys WHERE key = ${key} AND created_at >= ${validSince}`.pipe(
        Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), fromKeyRow)),
        Effect.catchAll(unavailable("findIdempotencyKey"))
      ),

    markStarted: (id, startedAt, endsAt) =>
      sql`UPDATE runs SET status = 'IN_PROGRESS', started_at = ${startedAt}, ends_at = ${endsAt}
          WHERE id = ${id}`.pipe(Effect.asVoid, Effect.catchAll(unavailable("markStarted"))),

    checkpoint: (id, counters) =>
      sql`UPDATE runs SET successful_responses_count = ${counters.successfulResponsesCount},
          sum = ${counters.sum.toString()}
          WHERE id = ${id} AND status = 'IN_PROGRESS'`.pipe(Effect.asVoid, Effect.catchAll(unavailable("checkpoint"))),

    finish: (id, counters, finishedAt) =>
      sql`UPDATE runs SET status = 'FINISHED', successful_responses_count = ${counters.successfulResponsesCount},
          sum = ${counters.sum.toString()}, finished_at = ${finishedAt}
          WHERE id = ${id} AND status <> 'FINISHED'`.pipe(Effect.asVoid, Effect.catchAll(unavailable("finish"))),

    get: (id) =>
      sql<RunRow>`SELECT * FROM runs WHERE id = ${id}`.pipe(
        Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), fromRow)),
        Effect.catchAll(unavailable("get"))
      ),

    list: ({ before, limit, status }) =>
      sql<RunRow>`SELECT * FROM runs WHERE ${sql.and([
        ...(status === undefined ? [] : [sql`status = ${status}`]),
        ...(before === undefined ? [] : [sql`id < ${before}`])
      ])} ORDER BY id DESC LIMIT ${limit}`.pipe(
        Effect.map((rows) => rows.map(fromRow)),
        Effect.catchAll(unavailable("list"))
      ),

    unfinished: sql<RunRow>`SELECT * FROM runs WHERE status <> 'FINISHED' ORDER BY id`.pipe(
      Effect.map((rows) => rows.map(fromRow)),
      Effect.catchAll(unavailable("unfinished"))
    ),

    totals: sql<TotalsRow>`SELECT status, COUNT(*) AS runs, SUM(successful_responses_count) AS successes,
        AVG(successful_responses_count * 1.0 / seconds) AS mean_rate
        FROM runs GROUP BY status`.pipe(
      Effect.map((rows): RunTotals => {
        const byStatus = { PENDING: none(), IN_PROGRESS: none(), FINISHED: none() }
        let finishedMeanSuccessesPerSecond: number | null = null
        for (const row of rows) {
          const status = row.status as RunStatus
          if (!(status in byStatus)) continue
          byStatus[status] = { runs: Number(row.runs), successes: Number(row.successes ?? 0) }
          if (status === "FINISHED" && row.mean_rate !== null) finishedMeanSuccessesPerSecond = Number(row.mean_rate)
        }
        return { byStatus, finishedMeanSuccessesPerSecond }
      }),
      Effect.catchAll(unavailable("totals"))
    )
  })
})

export const SqlRunStoreLive = Layer.effect(RunStore, makeSqlRunStore)
