import { Config, Effect, Layer } from "effect"
import { type ServerSettings, ServerConfig, serverConfig } from "./Http/ServerConfig.js"
import { EngineConfig, engineConfig, type EngineSettings } from "./Runs/EngineConfig.js"
import { describeConfigError } from "./Settings.js"
import { DatabaseConfig, databaseConfig, type DatabaseSettings } from "./Store/DatabaseConfig.js"
import { UpstreamConfig, upstreamConfig, type UpstreamSettings } from "./Upstream/UpstreamConfig.js"

export { describeConfigError }

/** Every variable of the service, as one record: what start-up validates and the CLI turns into flags. */
export type AppConfigShape = ServerSettings & EngineSettings & UpstreamSettings & DatabaseSettings

/**
 * The service's configuration, by concern: each module reads only its own (ServerConfig,
 * EngineConfig, UpstreamConfig, DatabaseConfig); this provides all four from one record.
 */
export const AppConfig = {
  layer: (config: AppConfigShape) =>
    Layer.mergeAll(ServerConfig.layer(config), EngineConfig.layer(config), UpstreamConfig.layer(config), DatabaseConfig.layer(config))
}

export const appConfig: Config.Config<AppConfigShape> = Config.all([serverConfig, engineConfig, upstreamConfig, databaseConfig]).pipe(
  Config.map(([server, engine, upstream, database]) => ({ ...server, ...engine, ...upstream, ...database }))
)

export const loadAppConfig = Effect.mapError(appConfig, describeConfigError)
