import { Command } from "@effect/cli";
import { Effect } from "effect";
import { appConfig, describeConfigError } from "../Config.js";
import { simulatorSettingsConfig } from "../Simulator/Settings.js";
import { configFlags, providerOf } from "./ConfigFlags.js";
export const serveCommand = Command.make("serve", { service: configFlags(appConfig), simulator: configFlags(simulatorSettingsConfig) }, ({ service, simulator }) => 
// Loaded only when needed: the service's modules double the start-up time of the client commands.
Effect.promise(() => import("../Service.js")).pipe(Effect.flatMap(({ serveService }) => serveService), Effect.withConfigProvider(providerOf({ ...simulator, ...service })))).pipe(Command.withDescription("Runs the service, as `npm start` does. Each flag sets the variable of the same name (--max-concurrent-runs 8 is MAX_CONCURRENT_RUNS=8); --sim-* set the bundled simulator's."));
const runSimulator = Effect.gen(function* () {
    const settings = yield* simulatorSettingsConfig.pipe(Effect.catchAll((error) => Effect.sync(() => {
        process.stderr.write(`faulty-runs simulator: invalid configuration: ${describeConfigError(error)}\n`);
        process.exit(2);
    })));
    const { startSimulator } = yield* Effect.promise(() => import("../Simulator/SimulatorServer.js"));
    const simulator = yield* startSimulator(settings);
    process.stderr.write(`faulty-runs simulator: listening on ${simulator.url.href}\n`);
    return yield* Effect.never;
}).pipe(Effect.scoped);
export const simulatorCommand = Command.make("simulator", { settings: configFlags(simulatorSettingsConfig, "SIM_") }, ({ settings }) => Effect.withConfigProvider(runSimulator, providerOf(settings))).pipe(Command.withDescription("Runs the bundled faulty upstream alone, as `npm run simulator` does (--port is SIM_PORT, and so on)."));
