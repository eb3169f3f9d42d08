import { hostname } from "node:os"
import { randomBytes } from "node:crypto"
import { Config, ConfigError, Context, Either, Layer } from "effect"
import { integerSetting } from "../Settings.js"

/** Which database DATABASE_URL names: a SQLite file (one process) or PostgreSQL (several replicas). */
export type DatabaseKind = "sqlite" | "postgres"

export const databaseKind = (databaseUrl: string): DatabaseKind =>
  /^postgres(ql)?:\/\//i.test(databaseUrl) ? "postgres" : "sqlite"

/** How replicas share runs on PostgreSQL. Unused on SQLite, where one process owns every run. */
export interface ReplicaSettings {
  /** This replica's name in the runs it holds (`owner`); unique per process by default. */
  readonly replicaId: string
  /** How long a held run stays this replica's without a renewal. */
  readonly leaseMs: number
  readonly renewEveryMs: number
  /** The safety net beside the notifications: a replica with room looks for work this often. */
  readonly pollMs: number
  /** Take-overs of a run whose replica vanished without handing it back, before it is FINISHED as it is. */
  readonly maxLeaseLosses: number
}

export class ReplicaConfig extends Context.Tag("faulty-runs/ReplicaConfig")<ReplicaConfig, ReplicaSettings>() {
  static layer = (settings: ReplicaSettings) => Layer.succeed(ReplicaConfig, settings)
}

export const defaultReplicaId = () => `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`

export const replicaConfig: Config.Config<ReplicaSettings> = Config.all({
  replicaId: Config.string("REPLICA_ID").pipe(Config.withDefault(""), Config.map((raw) => raw.trim() || defaultReplicaId())),
  leaseMs: integerSetting("LEASE_MS", 5_000, 500, 600_000),
  renewEveryMs: integerSetting("LEASE_RENEW_MS", 1_000, 50, 60_000),
  pollMs: integerSetting("DISPATCH_POLL_MS", 3_000, 100, 600_000),
  maxLeaseLosses: integerSetting("MAX_LEASE_LOSSES", 3, 0, 1_000)
}).pipe(
  Config.mapOrFail((settings) =>
    settings.renewEveryMs * 2 <= settings.leaseMs
      ? Either.right(settings)
      : Either.left(
          ConfigError.InvalidData([], `LEASE_RENEW_MS must be at most half of LEASE_MS (${settings.leaseMs}), got ${settings.renewEveryMs}`)
        )
  )
)

/** The replica settings from the environment; an invalid one stops the service with one line. */
export const ReplicaConfigFromEnv = Layer.effect(ReplicaConfig, replicaConfig)
