import { createServer } from "node:http";
import { HttpApiBuilder, HttpServer } from "@effect/platform";
import { NodeHttpServer } from "@effect/platform-node";
import { Effect, Layer } from "effect";
import { Api } from "../Api.js";
import { AppConfig } from "../Config.js";
import { ApiDocsLive } from "./ApiDocs.js";
import { DashboardLive } from "./Dashboard/DashboardHttp.js";
import { OperationsHttpLive } from "./OperationsHttp.js";
import { requestGuard } from "./RequestGuard.js";
import { countRequests } from "./RequestMetrics.js";
import { RunsHttpLive } from "./RunsHttp.js";
export const ApiLive = HttpApiBuilder.api(Api).pipe(Layer.provide([RunsHttpLive, OperationsHttpLive]));
/**
 * Serves the API, its docs and the dashboard (the routes need the engine and its observability
 * services) on whatever HttpServer is provided. Every request is counted, guard answers included.
 */
export const HttpAppLive = HttpApiBuilder.serve((app) => countRequests(requestGuard(app))).pipe(Layer.provide([ApiDocsLive, DashboardLive]), Layer.provide(ApiLive));
/** The Node HTTP server on HOST:PORT. */
export const NodeServerLive = Layer.unwrapEffect(Effect.map(AppConfig, (config) => NodeHttpServer.layer(createServer, { port: config.port, host: config.host })));
export const HttpServerLive = HttpAppLive.pipe(HttpServer.withLogAddress, Layer.provide(NodeServerLive));
