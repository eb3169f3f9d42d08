import { SqlClient } from "@effect/sql"
import { Clock, Duration, Effect } from "effect"
import { Pool } from "undici"
import { UpstreamConfig } from "../Upstream/UpstreamConfig.js"
import { TIMEOUT_CODES } from "../Upstream/UpstreamClient.js"
import { UpstreamTarget, upstreamPath } from "../Upstream/UpstreamTarget.js"
import { Metrics } from "./Metrics.js"

/** An upstream answer younger than this proves it reachable without a probe. */
const UPSTREAM_FRESH_MS = 2_000
/** A probe waits at most this long (or UPSTREAM_TIMEOUT_MS if shorter): the upstream may be slow. */
const MAX_PROBE_TIMEOUT_MS = 5_000
/** Concurrent readiness checks share one probe, and its result is reused this long. */
const PROBE_REUSE = Duration.seconds(1)
const DATABASE_TIMEOUT = Duration.seconds(2)

export interface Check {
  readonly ok: boolean
  readonly detail: string
}

export interface ReadinessReport {
  readonly ready: boolean
  readonly checks: { readonly database: Check; readonly upstream: Check }
  /** The failing checks in one line, for the 503's message. */
  readonly reason: string
}

const passed = (detail: string): Check => ({ ok: true, detail })
const failed = (detail: string): Check => ({ ok: false, detail })

const describeError = (timeoutMs: number) => (error: unknown) => {
  const { code, message } = error as { code?: string; message?: string }
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    return `did not answer a probe within ${timeoutMs} ms`
  }
  return `unreachable (${code ?? message ?? "request failed"})`
}

/**
 * Readiness: the database answers a query, and the upstream sent an HTTP answer (any status: a 429
 * or a 500 proves it is there) in the last few seconds. When no run has reached it lately, one
 * probe request finds out.
 */
export class Readiness extends Effect.Service<Readiness>()("faulty-runs/Readiness", {
  scoped: Effect.gen(function* () {
    const config = yield* UpstreamConfig
    const sql = yield* SqlClient.SqlClient
    const target = yield* UpstreamTarget
    const metrics = yield* Metrics
    const path = upstreamPath(target)
    const probeTimeoutMs = Math.min(config.upstreamTimeoutMs, MAX_PROBE_TIMEOUT_MS)
    const probes = yield* Effect.acquireRelease(
      Effect.sync(
        () =>
          new Pool(target.origin, {
            connections: 1,
            headersTimeout: probeTimeoutMs,
            bodyTimeout: probeTimeoutMs,
            connectTimeout: probeTimeoutMs
          })
      ),
      (pool) => Effect.promise(() => pool.destroy())
    )

    const database = sql`SELECT 1 FROM runs LIMIT 1`.pipe(
      Effect.timeoutFail({ duration: DATABASE_TIMEOUT, onTimeout: () => new Error(`no answer within ${Duration.format(DATABASE_TIMEOUT)}`) }),
      Effect.as(passed("answered a query")),
      Effect.catchAll((error) => Effect.succeed(failed(`query failed: ${error.message}`)))
    )

    const probe = Effect.tryPromise({
      try: async (signal) => {
        const answer = await probes.request({
          path,
          method: "GET",
          headers: { "user-agent": "faulty-runs readiness probe" },
          signal
        })
        await answer.body.dump()
        return answer.statusCode
      },
      catch: describeError(probeTimeoutMs)
    }).pipe(
      Effect.flatMap((status) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          metrics.noteUpstreamAnswer(now)
          return passed(`answered a probe with ${status}`)
        })
      ),
      Effect.catchAll((problem) => Effect.succeed(failed(problem)))
    )
    const sharedProbe = yield* Effect.cachedWithTTL(probe, PROBE_REUSE)

    const upstream = Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const last = metrics.lastUpstreamAnswerAt()
      return last !== null && now - last <= UPSTREAM_FRESH_MS
        ? Effect.succeed(passed(`answered ${Math.max(0, Math.round(now - last))} ms ago`))
        : sharedProbe
    })

    const check: Effect.Effect<ReadinessReport> = Effect.map(
      Effect.all({ database, upstream }, { concurrency: "unbounded" }),
      (checks) => {
        const problems = Object.entries(checks).filter(([, check]) => !check.ok)
        return {
          ready: problems.length === 0,
          checks,
          reason: problems.map(([name, check]) => `${name} ${check.detail}`).join("; ")
        }
      }
    )
    return { check } as const
  })
}) {}
