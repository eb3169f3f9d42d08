/**
 * `npx tsx bench/instrumentation-overhead.ts`: what the metrics cost per upstream attempt.
 *
 * 1. The observer's hooks alone, called in a tight loop (nanoseconds per attempt).
 * 2. The engine against an upstream that answers at once (as in bench/overhead.ts), with the
 *    silent observer and with the service's metrics, in alternating rounds so that the machine's
 *    other load falls on both alike; the medians are compared.
 */
import { Effect, Exit, Layer, Logger, LogLevel } from "effect";
import { Runs } from "../src/Runs/Runs.js";
import { BuildInfo } from "../src/Observability/BuildInfo.js";
import { EngineObserver } from "../src/Observability/EngineObserver.js";
import { Metrics } from "../src/Observability/Metrics.js";
import { AttemptFailed } from "../src/Upstream/AttemptFailed.js";
import { instantAttempts, instantEngine } from "./overhead.js";
const ROUNDS = Number(process.env["ROUNDS"] ?? 5);
const RUN_SECONDS = 2;
const metricsLayer = Metrics.Default.pipe(Layer.provide(BuildInfo.Default));
// --- 1. the hooks alone -------------------------------------------------------------------------
const hookCost = await Effect.runPromise(Effect.map(Metrics, (metrics) => {
    const observer = metrics.observer;
    const success = Exit.succeed(7);
    const rejected = Exit.fail(new AttemptFailed({ outcome: "429", status: 429 }));
    const calls = 2_000_000;
    const time = () => {
        const started = process.hrtime.bigint();
        for (let i = 0; i < calls; i++) {
            // Three successes (each counted) for one 429, about what a healthy upstream gives.
            if ((i & 3) === 3)
                observer.attemptEnded(rejected, 3, 1_000 + i);
            else {
                observer.attemptEnded(success, 20 + (i % 40), 1_000 + i);
                observer.successCounted();
            }
        }
        return Number(process.hrtime.bigint() - started) / calls;
    };
    time(); // warm up
    return Math.min(time(), time(), time());
}).pipe(Effect.provide(metricsLayer)));
console.log(`observer hooks alone: ${hookCost.toFixed(0)} ns per attempt`);
// --- 2. the engine with and without metrics -----------------------------------------------------
const engine = (observed) => {
    const base = instantEngine("auto");
    return observed
        ? base.pipe(Layer.provide(Layer.effect(EngineObserver, Effect.map(Metrics, (metrics) => metrics.observer))), Layer.provide(metricsLayer))
        : base;
};
const cpuPerAttempt = async (observed) => {
    instantAttempts.count = 0;
    const cpu = process.cpuUsage();
    await Effect.runPromise(Effect.gen(function* () {
        const runs = yield* Runs;
        const run = yield* runs.create(RUN_SECONDS);
        for (;;) {
            yield* Effect.sleep("100 millis");
            if ((yield* runs.get(run.id)).status === "FINISHED")
                return;
        }
    }).pipe(Effect.provide(engine(observed)), Effect.provide(Logger.minimumLogLevel(LogLevel.None))));
    const used = process.cpuUsage(cpu);
    return (used.user + used.system) / instantAttempts.count;
};
const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
};
const silent = [];
const observed = [];
await cpuPerAttempt(false); // warm up
for (let round = 0; round < ROUNDS; round++) {
    silent.push(await cpuPerAttempt(false));
    observed.push(await cpuPerAttempt(true));
}
const format = (values) => values.map((value) => value.toFixed(1)).join(" ");
console.log(`engine, silent observer:  median ${median(silent).toFixed(1)} µs CPU per attempt (rounds: ${format(silent)})`);
console.log(`engine, service metrics:  median ${median(observed).toFixed(1)} µs CPU per attempt (rounds: ${format(observed)})`);
