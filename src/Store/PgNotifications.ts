import { SqlError } from "@effect/sql/SqlError"
import { Duration, Effect, Exit, Mailbox, Schedule, Stream } from "effect"
import pg from "pg"

/**
 * LISTEN on its own connection, outside the pool. @effect/sql-pg 0.53.0's `listen` drops empty
 * payloads, has no readiness signal and swallows a lost connection; this one returns once LISTEN is
 * acknowledged and fails its stream when the connection goes.
 */
const listen = (connectionString: string, channel: string) =>
  Effect.gen(function* () {
    const mailbox = yield* Mailbox.make<string, SqlError>()
    const client = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: async () => {
          const connection = new pg.Client({ connectionString, application_name: "faulty-runs listener", connectionTimeoutMillis: 2_000 })
          connection.on("error", () => undefined)
          await connection.connect()
          return connection
        },
        catch: (cause) => new SqlError({ cause, message: "LISTEN: connect failed" })
      }),
      (connection) => Effect.promise(() => connection.end().catch(() => undefined))
    )
    const lost = (cause: unknown) => mailbox.unsafeDone(Exit.fail(new SqlError({ cause, message: "LISTEN: connection lost" })))
    client.on("notification", (message) => {
      if (message.channel === channel) mailbox.unsafeOffer(message.payload ?? "")
    })
    client.on("error", lost)
    client.on("end", () => lost(new Error("connection ended")))
    yield* Effect.tryPromise({
      try: () => client.query(`LISTEN ${client.escapeIdentifier(channel)}`),
      catch: (cause) => new SqlError({ cause, message: "LISTEN failed" })
    })
    return Mailbox.toStream(mailbox)
  })

/** Marks a (re)subscription: notifications sent meanwhile were lost, so whoever listens looks again. */
export const RECONNECTED = "(re)connected"

/**
 * The channel's payloads for ever, reconnecting after a lost connection. Treat each one as a hint
 * to read the database, which stays the truth.
 */
export const notifications = (connectionString: string, channel: string): Stream.Stream<string> =>
  Stream.unwrapScoped(Effect.map(listen(connectionString, channel), (payloads) => Stream.concat(Stream.make(RECONNECTED), payloads))).pipe(
    Stream.tapError((error) => Effect.logWarning("notifications interrupted, reconnecting", error.message)),
    Stream.retry(Schedule.spaced(Duration.millis(500))),
    Stream.orDie // the retry above never gives up
  )
