import type { SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import { type ConfigError, Effect, Layer } from "effect"
import type { StorageUnavailable } from "../Domain/Errors.js"
import type { RunLedger } from "../Runs/RunLedger.js"
import type { RunStore } from "./RunStore.js"
import type { EngineConfig } from "../Runs/EngineConfig.js"
import { DatabaseConfig } from "./DatabaseConfig.js"
import { LocalRunLedgerLive } from "../Runs/LocalRunLedger.js"
import { PgRunLedgerLive } from "./PgRunLedger.js"
import { databaseKind, ReplicaConfigFromEnv } from "./StoreConfig.js"

/** The ledger DATABASE_URL calls for: one process on SQLite, shared by replicas on PostgreSQL. */
export const RunLedgerLive = Layer.unwrapEffect(
  Effect.map(
    DatabaseConfig,
    ({ databaseUrl }): Layer.Layer<
      RunLedger,
      StorageUnavailable | SqlError | ConfigError.ConfigError,
      EngineConfig | DatabaseConfig | RunStore | SqlClient.SqlClient
    > =>
      databaseKind(databaseUrl) === "postgres" ? PgRunLedgerLive.pipe(Layer.provide(ReplicaConfigFromEnv)) : LocalRunLedgerLive
  )
)
