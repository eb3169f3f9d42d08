import { mkdirSync } from "node:fs"
import { dirname } from "node:path"
import { NodeContext } from "@effect/platform-node"
import { PgClient, PgMigrator } from "@effect/sql-pg"
import { SqliteClient, SqliteMigrator } from "@effect/sql-sqlite-node"
import { Duration, Effect, Layer, Redacted, Schedule } from "effect"
import pg from "pg"
import { DatabaseConfig } from "./DatabaseConfig.js"
import { migrations } from "./Migrations.js"
import { databaseKind } from "./StoreConfig.js"

const ensureParentDirectory = (filename: string) =>
  Effect.sync(() => {
    if (filename !== ":memory:" && !filename.startsWith("file:")) mkdirSync(dirname(filename), { recursive: true })
  })

// BIGINT (epoch milliseconds, counts) as a number, as SQLite gives it: exact below 2^53. `sum` is TEXT.
const int8AsNumber = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === pg.types.builtins.INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser
}

/** A pool on DATABASE_URL; queries fail fast while PostgreSQL is unreachable instead of queueing. */
export const pgClientLayer = (url: string) =>
  PgClient.layer({
    url: Redacted.make(url),
    maxConnections: 8,
    connectTimeout: Duration.seconds(2),
    idleTimeout: Duration.seconds(30),
    applicationName: "faulty-runs",
    types: int8AsNumber
  })

// Replicas starting together race to create the migrations table before PgMigrator takes its lock:
// the loser's CREATE fails, and on retry it finds the migrations done.
const migratePg = Layer.effectDiscard(
  PgMigrator.run({ loader: migrations }).pipe(
    Effect.retry({ times: 5, schedule: Schedule.exponential(Duration.millis(50)) })
  )
)

/** The SQL client for DATABASE_URL, migrated to the current schema before anything uses it. */
export const DatabaseLive = Layer.unwrapEffect(
  Effect.gen(function* () {
    const { databaseUrl } = yield* DatabaseConfig
    if (databaseKind(databaseUrl) === "postgres") {
      return migratePg.pipe(Layer.provideMerge(pgClientLayer(databaseUrl)), Layer.provide(NodeContext.layer))
    }
    yield* ensureParentDirectory(databaseUrl)
    return SqliteMigrator.layer({ loader: migrations }).pipe(
      Layer.provideMerge(SqliteClient.layer({ filename: databaseUrl })),
      Layer.provide(NodeContext.layer)
    )
  })
)
