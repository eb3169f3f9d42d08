import { Config, Effect, Layer, Option } from "effect"
import { simulatorSettingsConfig } from "./Simulator/Settings.js"
import { startSimulator } from "./Simulator/SimulatorServer.js"
import { UpstreamConfig } from "./Upstream/UpstreamConfig.js"
import { UpstreamTarget } from "./Upstream/UpstreamTarget.js"

/**
 * FAULTY_SERVER_URL when set; otherwise the bundled simulator, started for the life of the service.
 * Wiring, not upstream code: it lives beside App.ts so that src/Upstream/ never depends on the simulator.
 */
export const UpstreamTargetLive = Layer.scoped(
  UpstreamTarget,
  Effect.gen(function* () {
    const config = yield* UpstreamConfig
    if (Option.isSome(config.faultyServerUrl)) return config.faultyServerUrl.value
    const settings = yield* simulatorSettingsConfig
    // The bundled simulator takes a free port unless SIM_PORT asks for one.
    const port = yield* Config.option(Config.integer("SIM_PORT"))
    const simulator = yield* startSimulator({ ...settings, port: Option.getOrElse(port, () => 0) })
    yield* Effect.logInfo("FAULTY_SERVER_URL is not set: started the bundled simulator").pipe(
      Effect.annotateLogs({ url: simulator.url.href, settings: { ...settings, port: simulator.url.port } })
    )
    return simulator.url
  })
)
