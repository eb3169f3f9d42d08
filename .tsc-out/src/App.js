import { Effect, Layer } from "effect";
import { HttpAppLive, NodeServerLive } from "./Http/HttpServer.js";
import { BuildInfo } from "./Observability/BuildInfo.js";
import { EngineObserver } from "./Observability/EngineObserver.js";
import { Metrics } from "./Observability/Metrics.js";
import { Readiness } from "./Observability/Readiness.js";
import { ThroughputHistory } from "./Observability/ThroughputHistory.js";
import { Runs } from "./Runs/Runs.js";
import { DatabaseLive } from "./Store/Database.js";
import { SqlLimitStoreLive } from "./Store/LimitStore.js";
import { SqlRunStoreLive } from "./Store/SqlRunStore.js";
import { UpstreamClient } from "./Upstream/UpstreamClient.js";
import { UpstreamLimiter } from "./Upstream/UpstreamLimiter.js";
import { UpstreamTargetLive } from "./Upstream/UpstreamTarget.js";
/** The run engine with its store and upstream; needs AppConfig. Exposes what the operations endpoints read. */
export const EngineLive = Runs.Default.pipe(Layer.provideMerge(UpstreamLimiter.Default), Layer.provide(UpstreamClient.Default), Layer.provideMerge(UpstreamTargetLive), Layer.provide([SqlRunStoreLive, SqlLimitStoreLive]), Layer.provideMerge(DatabaseLive));
const EngineObserverLive = Layer.effect(EngineObserver, Effect.map(Metrics, (metrics) => metrics.observer));
/** The engine reporting to the service's metrics, with readiness and the throughput history beside it. */
export const ObservedEngineLive = Layer.mergeAll(Readiness.Default, ThroughputHistory.Default).pipe(Layer.provideMerge(EngineLive), Layer.provide(EngineObserverLive), Layer.provideMerge(Layer.merge(Metrics.Default, BuildInfo.Default)));
/**
 * The whole service: HTTP API → run engine → upstream and store. Needs AppConfig; exposes the
 * HttpServer so that callers can read its address.
 */
export const AppLive = HttpAppLive.pipe(Layer.provide(ObservedEngineLive), Layer.provideMerge(NodeServerLive));
