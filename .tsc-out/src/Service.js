import { HttpServer } from "@effect/platform";
import { Effect, Layer, Logger } from "effect";
import { AppLive } from "./App.js";
import { AppConfig, loadAppConfig } from "./Config.js";
/**
 * SIGTERM/SIGINT: NodeRuntime interrupts the main fiber and the layers close in reverse (server
 * first, then the runs, which save their counters). A second signal, or a shutdown that outlasts
 * SHUTDOWN_GRACE_MS, exits at once.
 */
const exitOnSecondSignal = (graceMs) => {
    let signals = 0;
    const onSignal = (signal) => {
        signals += 1;
        if (signals === 1) {
            setTimeout(() => {
                process.stderr.write(`faulty-runs: shutdown took longer than ${graceMs} ms, exiting\n`);
                process.exit(1);
            }, graceMs + 1_000).unref();
            return;
        }
        process.stderr.write(`faulty-runs: second ${signal}, exiting now\n`);
        process.exit(130);
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
};
/** The service until it is stopped: `npm start` and `faulty-runs serve`. */
export const serveService = Effect.gen(function* () {
    const config = yield* loadAppConfig.pipe(Effect.catchAll((problem) => Effect.sync(() => {
        process.stderr.write(`faulty-runs: invalid configuration: ${problem}\n`);
        process.exit(2);
    })));
    exitOnSecondSignal(config.shutdownGraceMs);
    return yield* Layer.launch(AppLive.pipe(HttpServer.withLogAddress, Layer.provide(AppConfig.layer(config))));
}).pipe(Effect.provide(Logger.json));
