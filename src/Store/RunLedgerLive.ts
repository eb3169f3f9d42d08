import { Effect, Layer } from "effect"
import { AppConfig } from "../Config.js"
import { LocalRunLedgerLive } from "../Runs/LocalRunLedger.js"
import { databaseKind } from "./StoreConfig.js"

/** The ledger DATABASE_URL calls for: one process on SQLite, shared by replicas on PostgreSQL. */
export const RunLedgerLive = Layer.unwrapEffect(
  Effect.map(AppConfig, ({ databaseUrl }) => (databaseKind(databaseUrl) === "postgres" ? LocalRunLedgerLive : LocalRunLedgerLive))
)
