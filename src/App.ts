import { Effect, Layer } from "effect"
import { HttpAppLive, NodeServerLive } from "./Http/HttpServer.js"
import { BuildInfo } from "./Observability/BuildInfo.js"
import { EngineObserver } from "./Observability/EngineObserver.js"
import { Metrics } from "./Observability/Metrics.js"
import { Readiness } from "./Observability/Readiness.js"
import { ThroughputHistory } from "./Observability/ThroughputHistory.js"
import { Runs } from "./Runs/Runs.js"
import { warmUpHotPath } from "./Runs/WarmUp.js"
import { DatabaseLive } from "./Store/Database.js"
import { SqlLimitStoreLive } from "./Store/LimitStore.js"
import { SqlRunStoreLive } from "./Store/SqlRunStore.js"
import { UpstreamClient } from "./Upstream/UpstreamClient.js"
import { UpstreamConfig } from "./Upstream/UpstreamConfig.js"
import { UpstreamTarget } from "./Upstream/UpstreamTarget.js"
import { UpstreamLimiter } from "./Upstream/UpstreamLimiter.js"
import { UpstreamTargetLive } from "./BundledUpstream.js"

/**
 * The run engine with its limiter and store, in front of whichever upstream is given (the real
 * client, or an attempt of a test's or a benchmark's own). Needs the configuration (AppConfig.layer); exposes what the
 * system endpoints read.
 */
export const engineOn = <E, R>(upstream: Layer.Layer<UpstreamClient | UpstreamTarget, E, R>) =>
  Runs.Default.pipe(
    Layer.provideMerge(UpstreamLimiter.Default),
    Layer.provideMerge(upstream),
    Layer.provide([SqlRunStoreLive, SqlLimitStoreLive]),
    Layer.provideMerge(DatabaseLive)
  )

/** An upstream that is one attempt function at a fixed address (no network of its own). */
export const upstreamOf = (
  attempt: Parameters<typeof UpstreamClient.fromAttempt>[0],
  target: URL
): Layer.Layer<UpstreamClient | UpstreamTarget> =>
  Layer.merge(UpstreamClient.fromAttempt(attempt), Layer.succeed(UpstreamTarget, target))

const EngineLive = engineOn(UpstreamClient.Default.pipe(Layer.provideMerge(UpstreamTargetLive)))

const EngineObserverLive = Layer.effect(
  EngineObserver,
  Effect.map(Metrics, (metrics) => metrics.observer)
)

const ObservabilityLive = Layer.merge(Metrics.Default, BuildInfo.Default)

/**
 * Before the server listens, so that the first runs find the hot path compiled; not while runs a
 * restart resumed are executing, which it would slow down.
 */
const WarmUpLive = Layer.effectDiscard(
  Effect.gen(function* () {
    const activity = (yield* Runs).activity()
    if (activity.inProgress + activity.pending > 0) return
    yield* warmUpHotPath((yield* UpstreamConfig).warmUpMs)
  })
)

/**
 * The engine reporting to the service's metrics, with readiness and the throughput history beside
 * it, warmed up.
 */
const ObservedEngineLive = Layer.mergeAll(Readiness.Default, ThroughputHistory.Default, WarmUpLive).pipe(
  Layer.provideMerge(EngineLive),
  Layer.provide(EngineObserverLive),
  Layer.provideMerge(ObservabilityLive)
)

/**
 * The whole service: HTTP API → run engine → upstream and store. Needs the configuration (AppConfig.layer); exposes the
 * HttpServer so that callers can read its address. The server listens only once the engine is built
 * (the database reached, the runs a restart left re-admitted): a request that came sooner would wait
 * unanswered for the engine, and get no answer at all if the engine then failed to start.
 */
export const AppLive = HttpAppLive.pipe(
  Layer.provideMerge(NodeServerLive),
  Layer.provide(ObservedEngineLive),
  // The same layer value as above, so one Metrics instance: the server counts the answers it writes itself.
  Layer.provide(ObservabilityLive)
)
