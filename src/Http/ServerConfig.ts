import { Config, Context, Layer } from "effect"
import { hostSetting, integerSetting } from "../Settings.js"

export interface ServerSettings {
  readonly port: number
  readonly host: string
  /** How long a shutdown may take before the process exits anyway (1: cut short). */
  readonly shutdownGraceMs: number
}

/** Where the service listens, and how long it may take to stop. */
export class ServerConfig extends Context.Tag("faulty-runs/ServerConfig")<ServerConfig, ServerSettings>() {
  static layer = (settings: ServerSettings) =>
    Layer.succeed(ServerConfig, { port: settings.port, host: settings.host, shutdownGraceMs: settings.shutdownGraceMs })
}

export const serverConfig: Config.Config<ServerSettings> = Config.all({
  port: integerSetting("PORT", 8080, 0, 65_535),
  host: hostSetting("HOST", "0.0.0.0"),
  shutdownGraceMs: integerSetting("SHUTDOWN_GRACE_MS", 5_000, 0, 600_000)
})
