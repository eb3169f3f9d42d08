import { SqlClient, type SqlError } from "@effect/sql"
import { Effect, Layer, Option } from "effect"
import { StorageUnavailable } from "../Domain/Errors.js"
import type { Run, RunStatus } from "../Domain/Run.js"
import type { RunId } from "../Domain/RunId.js"
import { RunStore } from "./RunStore.js"

interface RunRow {
  readonly id: string
  readonly seconds: number | string
  readonly status: string
  readonly successful_responses_count: number | string
  readonly sum: string
  readonly created_at: number | string
  readonly started_at: number | string | null
  readonly ends_at: number | string | null
  readonly finished_at: number | string | null
}

// Drivers differ: SQLite gives BIGINT back as a number, PostgreSQL as a string.
const millisOrNull = (value: number | string | null) => (value === null ? null : Number(value))

const fromRow = (row: RunRow): Run => ({
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

const unavailable = (operation: string) => (error: SqlError.SqlError) =>
  Effect.logError("storage failure", operation, error.message).pipe(
    Effect.zipRight(Effect.fail(new StorageUnavailable({ message: `storage is unavailable (${operation})` })))
  )

export const makeSqlRunStore = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  return RunStore.of({
    insert: (run) =>
      sql`INSERT INTO runs ${sql.insert({
        id: run.id,
        seconds: run.seconds,
        status: run.status,
        successful_responses_count: run.successfulResponsesCount,
        sum: run.sum.toString(),
        created_at: run.createdAt,
        started_at: run.startedAt,
        ends_at: run.endsAt,
        finished_at: run.finishedAt
      })}`.pipe(Effect.asVoid, Effect.catchAll(unavailable("insert"))),

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

    unfinished: sql<RunRow>`SELECT * FROM runs WHERE status <> 'FINISHED' ORDER BY id`.pipe(
      Effect.map((rows) => rows.map(fromRow)),
      Effect.catchAll(unavailable("unfinished"))
    )
  })
})

export const SqlRunStoreLive = Layer.effect(RunStore, makeSqlRunStore)
