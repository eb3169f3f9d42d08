import { createServer } from "node:http"
import { HttpApiBuilder, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { Api } from "../Api.js"
import { AppConfig } from "../Config.js"
import { ApiDocsLive } from "./ApiDocs.js"
import { requestGuard } from "./RequestGuard.js"
import { RunsHttpLive, SystemHttpLive } from "./RunsHttp.js"

export const ApiLive = HttpApiBuilder.api(Api).pipe(Layer.provide([RunsHttpLive, SystemHttpLive]))

/** Serves the API and its docs (the routes need Runs) on whatever HttpServer is provided. */
export const HttpAppLive = HttpApiBuilder.serve(requestGuard).pipe(Layer.provide(ApiDocsLive), Layer.provide(ApiLive))

/** The Node HTTP server on HOST:PORT. */
export const NodeServerLive = Layer.unwrapEffect(
  Effect.map(AppConfig, (config) => NodeHttpServer.layer(createServer, { port: config.port, host: config.host }))
)

export const HttpServerLive = HttpAppLive.pipe(HttpServer.withLogAddress, Layer.provide(NodeServerLive))
