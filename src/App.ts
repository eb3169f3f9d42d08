import { Layer } from "effect"
import { HttpAppLive, NodeServerLive } from "./Http/HttpServer.js"
import { Runs } from "./Runs/Runs.js"
import { DatabaseLive } from "./Store/Database.js"
import { SqlRunStoreLive } from "./Store/SqlRunStore.js"
import { UpstreamClient } from "./Upstream/UpstreamClient.js"
import { UpstreamLimiter } from "./Upstream/UpstreamLimiter.js"
import { SqlLimitStoreLive } from "./Store/LimitStore.js"
import { UpstreamTargetLive } from "./Upstream/UpstreamTarget.js"

/** The run engine with its store and upstream; needs AppConfig. */
export const EngineLive = Runs.Default.pipe(
  Layer.provide([UpstreamClient.Default, UpstreamLimiter.Default]),
  Layer.provide(UpstreamTargetLive),
  Layer.provide([SqlRunStoreLive, SqlLimitStoreLive]),
  Layer.provide(DatabaseLive)
)

/**
 * The whole service: HTTP API → run engine → upstream and store. Needs AppConfig; exposes the
 * HttpServer so that callers can read its address.
 */
export const AppLive = HttpAppLive.pipe(Layer.provide(EngineLive), Layer.provideMerge(NodeServerLive))
