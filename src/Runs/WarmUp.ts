import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { Context, Duration, Effect, Layer, Option } from "effect"
import type { RunId } from "../Domain/RunId.js"
import { EngineObserver, silentObserver } from "../Observability/EngineObserver.js"
import { LimitStore } from "../Store/LimitStore.js"
import { UpstreamClient } from "../Upstream/UpstreamClient.js"
import { UpstreamConfig } from "../Upstream/UpstreamConfig.js"
import { UpstreamLimiter } from "../Upstream/UpstreamLimiter.js"
import { UpstreamTarget } from "../Upstream/UpstreamTarget.js"
import type { LeaseKeeper } from "./LeaseKeeper.js"
import { LiveCounters } from "./LiveCounters.js"
import { runWorkers } from "./RunWorkers.js"

/** The answerer's own limit: enough 429s that the limiter's shrinking runs hot too. */
const LOOPBACK_LIMIT = 24
const LOOPBACK_500_EVERY = 4

/**
 * A stand-in upstream on loopback for the warm-up, in plain Node: 200s with a value, a 500 now
 * and then, 429s beyond its limit, each answered on the next turn of the event loop.
 */
const startLoopbackUpstream = Effect.acquireRelease(
  Effect.async<Server>((resume) => {
    let inFlight = 0
    let answered = 0
    const server = createServer((request, response) => {
      request.resume()
      if (inFlight >= LOOPBACK_LIMIT) {
        response.writeHead(429, { "content-type": "application/json" }).end('{"error": "Too many concurrent requests"}')
        return
      }
      inFlight += 1
      setImmediate(() => {
        inFlight -= 1
        answered += 1
        if (answered % LOOPBACK_500_EVERY === 0) {
          response.writeHead(500, { "content-type": "application/json" }).end('{"error": "Internal server error"}')
        } else {
          response.writeHead(200, { "content-type": "application/json" }).end(`{"value": ${answered}}`)
        }
      })
    })
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
  }),
  (server) =>
    Effect.async<void>((resume) => {
      server.close(() => resume(Effect.void))
      server.closeAllConnections()
    })
)

export interface WarmUpDone {
  readonly attempts: number
  readonly successes: number
}

const alwaysHeld: LeaseKeeper = {
  keep: Effect.never,
  holds: () => true,
  lose: () => {},
  lost: Effect.never
}

/**
 * Runs the engine's hot path (workers, limiter, HTTP client: the code every attempt goes through)
 * for `durationMs` against an upstream of its own on loopback, before the service takes requests.
 * A fresh process runs that code interpreted until V8 has compiled it, which cost the first runs
 * after every start (three 4 s runs at C = 60: 5-7 % fewer successes than the same runs a
 * moment later, 9 % with a busy core; bench/hot-path.ts). It never reaches the upstream, the
 * database or the metrics: its limiter, client and observer are its own.
 */
export const warmUpHotPath = (durationMs: number): Effect.Effect<WarmUpDone, never, UpstreamConfig> =>
  durationMs <= 0
    ? Effect.succeed({ attempts: 0, successes: 0 })
    : Effect.scoped(
      Effect.gen(function* () {
        const server = yield* startLoopbackUpstream
        const { port } = server.address() as AddressInfo
        const config = yield* UpstreamConfig
        const parts = yield* Layer.build(
          Layer.merge(UpstreamClient.Default, UpstreamLimiter.Default).pipe(
            Layer.provide(Layer.succeed(UpstreamTarget, new URL(`http://127.0.0.1:${port}/`))),
            Layer.provide(Layer.succeed(LimitStore, { load: () => Effect.succeed(Option.none()), save: () => Effect.void })),
            Layer.provide(Layer.succeed(EngineObserver, silentObserver)),
            Layer.provide(Layer.succeed(UpstreamConfig, { ...config, upstreamConcurrency: "auto", maxInFlight: LOOPBACK_LIMIT * 2 }))
          )
        )
        const clock = yield* Effect.clock
        const window = {
          runId: "warm-up" as RunId,
          endsAt: clock.unsafeCurrentTimeMillis() + durationMs,
          counters: new LiveCounters(0, 0n),
          keeper: alwaysHeld,
          checkLeaseAtSend: false,
          attempts: 0
        }
        yield* runWorkers(Context.get(parts, UpstreamClient), Context.get(parts, UpstreamLimiter), silentObserver, window).pipe(
          Effect.timeoutOption(Duration.millis(durationMs)),
          Effect.ignore
        )
        const done = { attempts: window.attempts, successes: window.counters.successfulResponsesCount }
        yield* Effect.logInfo(`warmed up the hot path: ${done.attempts} attempts on loopback in ${durationMs} ms`)
        return done
      })
    )
