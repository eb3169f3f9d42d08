import { NodeRuntime } from "@effect/platform-node";
import { Effect, Logger } from "effect";
import { describeConfigError } from "../Config.js";
import { simulatorSettingsConfig } from "./Settings.js";
import { startSimulator } from "./SimulatorServer.js";
/** `npm run simulator`: the bundled faulty server on its own (settings from SIM_* variables). */
const program = Effect.gen(function* () {
    const settings = yield* simulatorSettingsConfig.pipe(Effect.catchAll((error) => Effect.sync(() => {
        process.stderr.write(`faulty-runs simulator: invalid configuration: ${describeConfigError(error)}\n`);
        process.exit(2);
    })));
    const simulator = yield* startSimulator(settings);
    yield* Effect.logInfo("simulator listening").pipe(Effect.annotateLogs({ url: simulator.url.href, settings }));
    return yield* Effect.never;
}).pipe(Effect.scoped, Effect.provide(Logger.json));
NodeRuntime.runMain(program, { disablePrettyLogger: true });
