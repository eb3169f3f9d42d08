import { createServer } from "node:http"
import { HttpApiBuilder, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { Api } from "../Api.js"
import { Metrics } from "../Observability/Metrics.js"
import { Runs } from "../Runs/Runs.js"
import { ApiDocsLive } from "./ApiDocs.js"
import { closeServerWithin, trackConnections } from "./Connections.js"
import { DashboardLive } from "./Dashboard/DashboardHttp.js"
import { SystemHttpLive } from "./SystemHttp.js"
import { requestGuard } from "./RequestGuard.js"
import { countRequests } from "./RequestMetrics.js"
import { RunsHttpLive } from "./RunsHttp.js"
import { ServerConfig } from "./ServerConfig.js"

export const ApiLive = HttpApiBuilder.api(Api).pipe(Layer.provide([RunsHttpLive, SystemHttpLive]))

/**
 * Serves the API, its docs and the dashboard (the routes need the engine and its observability
 * services) on whatever HttpServer is provided. Every request is counted, guard answers included.
 */
export const HttpAppLive = HttpApiBuilder.serve((app) => countRequests(requestGuard(app))).pipe(
  Layer.provide([ApiDocsLive, DashboardLive]),
  Layer.provide(ApiLive)
)

/** How long open connections may go on once the service stops: then they are cut, whatever they are waiting for. */
export const SHUTDOWN_CONNECTION_GRACE_MS = 1_000

/**
 * The Node HTTP server on HOST:PORT. A client gets 10 s to send its headers and 30 s for the whole
 * request (a slow or silent client is answered 408, not kept forever); at shutdown, connections
 * are closed as `closeServerWithin` says instead of being waited for.
 */
export const NodeServerLive = Layer.scoped(
  HttpServer.HttpServer,
  Effect.gen(function* () {
    const config = yield* ServerConfig
    const server = createServer({
      headersTimeout: 10_000,
      requestTimeout: 30_000,
      connectionsCheckingInterval: 1_000,
      // Node answers a missing Host with an empty 400; the guard answers it in JSON.
      requireHostHeader: false
    })
    const metrics = yield* Metrics
    trackConnections(server, metrics.countHttpRequest)
    const httpServer = yield* NodeHttpServer.make(() => server, { port: config.port, host: config.host })
    // Added after make's own finalizer, so it runs first: make's server.close would wait on every client.
    yield* Effect.addFinalizer(() => Effect.promise(() => closeServerWithin(server, SHUTDOWN_CONNECTION_GRACE_MS)))
    // The engine, built before the server, closes after it: its waiters are answered first, here.
    const runs = yield* Runs
    yield* Effect.addFinalizer(() => runs.releaseWaiters)
    return httpServer
  })
).pipe(Layer.merge(NodeHttpServer.layerContext))
