import { SqlClient, type SqlError } from "@effect/sql"
import { Clock, Data, Duration, Effect, Either, Layer, PubSub, Queue, Stream } from "effect"
import { EngineConfig } from "../Runs/EngineConfig.js"
import { DatabaseConfig } from "./DatabaseConfig.js"
import type { RunStatus } from "../Domain/Run.js"
import type { RunId } from "../Domain/RunId.js"
import type { StatusChange } from "../Runs/RunChanges.js"
import { type Admission, type Lease, RunLedger } from "../Runs/RunLedger.js"
import { notifications } from "./PgNotifications.js"
import { RunStore } from "./RunStore.js"
import { fromRow, type RunRow, unavailable } from "./SqlRunStore.js"
import { ReplicaConfig } from "./StoreConfig.js"

interface HeldRow extends RunRow {
  readonly owner: string | null
  readonly epoch: number
  readonly lease_losses: number
}

interface Census {
  readonly executing: number
  readonly pending: number
  /** Milliseconds until the soonest lease of an executing run lapses (negative: lapsed). */
  readonly next_lapse_ms: number | null
}

type Claim =
  | { readonly _tag: "Claimed"; readonly lease: Lease }
  /** A run given up after too many lost leases: look again at once. */
  | { readonly _tag: "GaveUp" }
  | { readonly _tag: "Nothing"; readonly nextLapseMs: number | null }

const STALLED_TRANSACTION_MS = 2_000

class QueueIsFull extends Data.TaggedError("QueueIsFull")<{ readonly soonestEndAt: number | null }> {}

/**
 * Replicas sharing runs through PostgreSQL. Admission and claims are serialised by one
 * transaction-scoped advisory lock (READ COMMITTED, so each sees the other's commit), so the limits
 * hold for all replicas together and `seq` is the admission order. A lease is `owner` + `epoch` +
 * `lease_until` on the database clock; every write names the epoch it holds, so a replica that lost
 * the run writes nothing. Wake-ups come by LISTEN/NOTIFY, with a slow poll as the safety net.
 */
export const PgRunLedgerLive = Layer.scoped(
  RunLedger,
  Effect.gen(function* () {
    const config = yield* EngineConfig
    const { databaseUrl } = yield* DatabaseConfig
    const replica = yield* ReplicaConfig
    const store = yield* RunStore
    const sql = yield* SqlClient.SqlClient
    const owner = replica.replicaId

    // Channels and advisory locks are database-wide: name them after the schema, so that services
    // (or test files) on other schemas of the database never meet.
    const [{ schema }] = (yield* sql<{ schema: string }>`SELECT current_schema() AS schema`) as unknown as [{ schema: string }]
    const channel = `faulty_runs_${schema}`.slice(0, 63)
    const lockName = `faulty-runs admission ${schema}`
    // A replica stalled inside one of these transactions (SIGSTOP, a long GC pause, a network
    // partition) would hold the lock, and every replica's admissions and claims with it: the server
    // ends such a session after a short idle spell, which rolls it back and frees the lock.
    const guardStall = sql`SET LOCAL idle_in_transaction_session_timeout = ${sql.literal(String(STALLED_TRANSACTION_MS))}`
    const lock = Effect.zipRight(guardStall, sql`SELECT pg_advisory_xact_lock(hashtext(${lockName}))`)
    const notify = (payload: string) => sql`SELECT pg_notify(${channel}, ${payload})`
    const leaseInterval = sql`${replica.leaseMs}::int * interval '1 millisecond'`
    // Ours by this replica's clock until a little before the database's `lease_until`.
    const validUntilFrom = (sentAt: number) => sentAt + replica.leaseMs - Math.min(500, replica.renewEveryMs / 2)

    const wake = yield* Queue.sliding<void>(1)
    const remote = yield* PubSub.unbounded<StatusChange>()
    yield* notifications(databaseUrl, channel).pipe(
      Stream.runForEach((payload) => {
        const [status, id] = payload.split(":", 2)
        const change =
          (status === "IN_PROGRESS" || status === "FINISHED") && id ? { id: id as RunId, status: status as RunStatus } : undefined
        return Queue.offer(wake, undefined).pipe(Effect.zipRight(change ? PubSub.publish(remote, change) : Effect.void))
      }),
      Effect.forkScoped
    )

    let seen = { inProgress: 0, pending: 0 }
    const held = new Set<RunId>()

    const admit = (run: Parameters<RunLedger["Type"]["admit"]>[0], key: Parameters<RunLedger["Type"]["admit"]>[1]) =>
      Effect.gen(function* () {
        yield* lock
        const [counts] = yield* sql<{ unfinished: number; soonest_end_at: number | null }>`
          SELECT count(*) AS unfinished, min(ends_at) FILTER (WHERE status = 'IN_PROGRESS') AS soonest_end_at
          FROM runs WHERE status <> 'FINISHED'`
        if (counts!.unfinished >= config.maxUnfinishedRuns) {
          return yield* new QueueIsFull({ soonestEndAt: counts!.soonest_end_at })
        }
        if (!(yield* store.insert(run, key))) return { _tag: "KeyTaken" } as const
        yield* notify("created")
        return { _tag: "Admitted" } as const
      }).pipe(
        sql.withTransaction,
        Effect.catchTag("QueueIsFull", (full): Effect.Effect<Admission> => Effect.succeed({ _tag: "QueueFull", soonestEndAt: full.soonestEndAt })),
        Effect.catchTag("SqlError", unavailable("admit"))
      )

    // `sentAt` is read before the transaction begins, so the database's now() (its start) is no
    // earlier: the lease is ours until at least sentAt + LEASE_MS. Start times are read under the
    // lock instead, so that runs start in the order they are claimed.
    const claimOnce = (sentAt: number): Effect.Effect<Claim, SqlError.SqlError> =>
      Effect.gen(function* () {
        yield* lock
        const now = yield* Clock.currentTimeMillis
        // A run whose lease lapsed (its replica died, stalled or handed it back) comes first: it
        // already counts as executing.
        const [lapsed] = yield* sql<HeldRow>`
          SELECT * FROM runs WHERE status = 'IN_PROGRESS' AND (lease_until IS NULL OR lease_until < now())
          ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED`
        if (lapsed !== undefined) {
          // Handed back (owner cleared) is a hand-off; still owned is a replica that vanished.
          const vanished = lapsed.owner !== null
          if (vanished && lapsed.lease_losses >= replica.maxLeaseLosses) {
            const reason = `its replica vanished ${lapsed.lease_losses + 1} times (MAX_LEASE_LOSSES=${replica.maxLeaseLosses}): finished with its saved counters`
            yield* sql`UPDATE runs SET status = 'FINISHED', finished_at = ${Math.min(now, Number(lapsed.ends_at ?? now))},
                owner = NULL, lease_until = NULL, lease_losses = lease_losses + 1, finish_reason = ${reason}
                WHERE id = ${lapsed.id}`
            yield* notify(`FINISHED:${lapsed.id}`)
            yield* Effect.logWarning(`run given up: ${reason}`).pipe(Effect.annotateLogs({ runId: lapsed.id }))
            return { _tag: "GaveUp" } as const
          }
          const [row] = yield* sql<HeldRow>`
            UPDATE runs SET owner = ${owner}, epoch = epoch + 1, takeovers = takeovers + 1,
                lease_losses = lease_losses + ${vanished ? 1 : 0}, lease_until = now() + ${leaseInterval}
            WHERE id = ${lapsed.id} RETURNING *`
          yield* Effect.logInfo(vanished ? "run taken over from a vanished replica" : "run taken over after a hand-off").pipe(
            Effect.annotateLogs({ runId: lapsed.id, previousOwner: lapsed.owner ?? "none", epoch: Number(row!.epoch) })
          )
          return { _tag: "Claimed", lease: { run: fromRow(row!), epoch: Number(row!.epoch), fresh: false, validUntil: validUntilFrom(sentAt) } } as const
        }
        const [census] = yield* sql<Census>`
          SELECT count(*) FILTER (WHERE status = 'IN_PROGRESS') AS executing,
                 count(*) FILTER (WHERE status = 'PENDING') AS pending,
                 (EXTRACT(EPOCH FROM min(lease_until) FILTER (WHERE status = 'IN_PROGRESS') - now()) * 1000)::float8 AS next_lapse_ms
          FROM runs WHERE status <> 'FINISHED'`
        seen = { inProgress: census!.executing, pending: census!.pending }
        const nothing = { _tag: "Nothing", nextLapseMs: census!.next_lapse_ms } as const
        if (census!.executing >= config.maxConcurrentRuns || census!.pending === 0) return nothing
        const [row] = yield* sql<HeldRow>`
          UPDATE runs SET status = 'IN_PROGRESS', owner = ${owner}, epoch = epoch + 1,
              lease_until = now() + ${leaseInterval}, started_at = ${now}::bigint, ends_at = ${now}::bigint + seconds * 1000::bigint
          WHERE id = (SELECT id FROM runs WHERE status = 'PENDING' ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED)
          RETURNING *`
        if (row === undefined) return nothing
        yield* notify(`IN_PROGRESS:${row.id}`)
        seen = { inProgress: seen.inProgress + 1, pending: Math.max(0, seen.pending - 1) }
        return { _tag: "Claimed", lease: { run: fromRow(row), epoch: Number(row.epoch), fresh: true, validUntil: validUntilFrom(sentAt) } } as const
      }).pipe(sql.withTransaction)

    const claimNext: Effect.Effect<Lease> = Effect.gen(function* () {
      while (true) {
        const claim = yield* Effect.either(Effect.flatMap(Clock.currentTimeMillis, claimOnce))
        if (Either.isRight(claim) && claim.right._tag === "Claimed") {
          held.add(claim.right.lease.run.id)
          return claim.right.lease
        }
        if (Either.isRight(claim) && claim.right._tag === "GaveUp") continue
        if (Either.isLeft(claim)) yield* Effect.logWarning("could not look for runs to claim", String(claim.left.cause))
        // Sleep until a notification, the soonest lapse of a lease, or the slow poll.
        const lapse = Either.isRight(claim) && claim.right._tag === "Nothing" ? claim.right.nextLapseMs : null
        const waitMs = Either.isLeft(claim) ? 1_000 : Math.min(replica.pollMs, lapse === null ? replica.pollMs : Math.max(50, lapse + 50))
        yield* Effect.timeoutOption(Queue.take(wake), Duration.millis(waitMs))
      }
    })

    const fenced = (lease: Lease) => sql`id = ${lease.run.id} AND owner = ${owner} AND epoch = ${lease.epoch} AND status = 'IN_PROGRESS'`
    const wrote = (rows: ReadonlyArray<unknown>) => rows.length === 1

    return RunLedger.of({
      admit,
      claimNext,
      markStarted: (lease, startedAt, endsAt) =>
        sql`UPDATE runs SET started_at = ${startedAt}, ends_at = ${endsAt} WHERE ${fenced(lease)}`.pipe(
          Effect.asVoid,
          Effect.catchAll(unavailable("markStarted"))
        ),
      renewEveryMs: replica.renewEveryMs,
      renew: (lease) =>
        Effect.flatMap(Clock.currentTimeMillis, (sentAt) =>
          sql`UPDATE runs SET lease_until = now() + ${leaseInterval} WHERE ${fenced(lease)} RETURNING id`.pipe(
            Effect.map((rows) => (wrote(rows) ? validUntilFrom(sentAt) : null))
          )
        ).pipe(Effect.catchAll(unavailable("renew"))),
      checkpoint: (lease, counters) =>
        sql`UPDATE runs SET successful_responses_count = ${counters.successfulResponsesCount}, sum = ${counters.sum.toString()}
            WHERE ${fenced(lease)} RETURNING id`.pipe(Effect.map(wrote), Effect.catchAll(unavailable("checkpoint"))),
      finish: (lease, counters, finishedAt) =>
        Effect.gen(function* () {
          yield* guardStall
          const rows = yield* sql`UPDATE runs SET status = 'FINISHED', successful_responses_count = ${counters.successfulResponsesCount},
              sum = ${counters.sum.toString()}, finished_at = ${finishedAt}, owner = NULL, lease_until = NULL
              WHERE ${fenced(lease)} RETURNING id`
          if (wrote(rows)) yield* notify(`FINISHED:${lease.run.id}`)
          return wrote(rows)
        }).pipe(sql.withTransaction, Effect.catchAll(unavailable("finish"))),
      release: (lease, counters) =>
        Effect.gen(function* () {
          yield* guardStall
          const rows = yield* sql`UPDATE runs SET successful_responses_count = ${counters.successfulResponsesCount},
              sum = ${counters.sum.toString()}, owner = NULL, lease_until = NULL
              WHERE ${fenced(lease)} RETURNING id`
          if (wrote(rows)) yield* notify("released")
          return wrote(rows)
        }).pipe(sql.withTransaction, Effect.catchAll(unavailable("release"))),
      ended: (lease) => void held.delete(lease.run.id),
      activity: () => seen,
      remoteChanges: Stream.fromPubSub(remote)
    })
  })
)

