import { Effect } from "effect"
import { faultyProxy } from "./proxy.js"
import { spawnService, type ServiceProcess } from "./process.js"
import { createSchema } from "./postgres.js"

/** One upstream request as a replica's own proxy saw it: which run, when it arrived. */
export interface SourcedRequest {
  readonly replica: string
  readonly runId: string
  readonly at: number
}

export interface Replica extends ServiceProcess {
  readonly name: string
}

export interface RunRowOnPg {
  readonly id: string
  readonly seq: number
  readonly status: string
  readonly owner: string | null
  readonly epoch: number
  readonly takeovers: number
  readonly successful_responses_count: number
  readonly sum: string
  readonly started_at: number | null
  readonly ends_at: number | null
  readonly finished_at: number | null
}

/**
 * Replica processes of the service on a fresh PostgreSQL schema of their own. Each reaches the
 * simulator through its own proxy, which notes every request's run and arrival: the sources that
 * prove a run was never executed on two replicas at once.
 */
export const replicaSet = (options: {
  readonly count: number
  readonly simulatorUrl: URL
  readonly env: Record<string, string>
  /** DATABASE_URL for one replica (e.g. through a TCP proxy); the schema's own URL otherwise. */
  readonly databaseUrlFor?: (name: string, schemaUrl: string) => string
}) =>
  Effect.gen(function* () {
    const schema = yield* Effect.acquireRelease(
      Effect.promise(() => createSchema()),
      (created) => Effect.promise(() => created.drop())
    )
    const sources: Array<SourcedRequest> = []
    const replicas = yield* Effect.forEach(
      Array.from({ length: options.count }, (_, index) => `r${index + 1}`),
      (name) =>
        Effect.gen(function* () {
          const proxy = yield* faultyProxy(options.simulatorUrl, (request) => {
            sources.push({ replica: name, runId: String(request.headers["x-run-id"] ?? ""), at: Date.now() })
            return "pass"
          })
          const service = yield* spawnService({
            DATABASE_URL: options.databaseUrlFor?.(name, schema.url) ?? schema.url,
            FAULTY_SERVER_URL: proxy.url.href,
            REPLICA_ID: name,
            ...options.env
          })
          return { ...service, name } satisfies Replica
        }),
      { concurrency: "unbounded" }
    )
    const rows = () => Effect.promise(() => schema.query<RunRowOnPg>("SELECT * FROM runs ORDER BY seq"))
    const row = (id: string) =>
      Effect.promise(() => schema.query<RunRowOnPg>("SELECT * FROM runs WHERE id = $1", [id])).pipe(Effect.map((found) => found[0]!))
    const byName = (name: string) => replicas.find((replica) => replica.name === name)!
    return { schema, replicas, sources, rows, row, byName } as const
  })

/**
 * How often the replica sending a run's requests changed, in arrival order. A run executed by one
 * replica at a time changes hands at most once per take-over; interleaved sources would show more.
 */
export const sourceChanges = (sources: ReadonlyArray<SourcedRequest>, runId: string) => {
  const own = sources.filter((source) => source.runId === runId).sort((a, b) => a.at - b.at)
  let changes = 0
  for (let i = 1; i < own.length; i++) if (own[i]!.replica !== own[i - 1]!.replica) changes += 1
  return { changes, replicas: [...new Set(own.map((source) => source.replica))], requests: own.length }
}

/** Polls (real time) until `check` holds, or dies after `timeoutMs`. */
export const eventually = <A>(what: string, probe: Effect.Effect<A>, check: (value: A) => boolean, timeoutMs = 20_000, everyMs = 50) =>
  Effect.gen(function* () {
    const deadline = Date.now() + timeoutMs
    while (true) {
      const value = yield* probe
      if (check(value)) return value
      if (Date.now() > deadline) return yield* Effect.die(`${what}: not within ${timeoutMs} ms`)
      yield* Effect.sleep(`${everyMs} millis`)
    }
  })
