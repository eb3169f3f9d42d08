import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpServer } from "@effect/platform";
import { Context, Effect, Layer, Option } from "effect";
import { AppLive } from "../../src/App.js";
import { AppConfig } from "../../src/Config.js";
import { parseExact } from "../../src/Domain/ExactJson.js";
import { RunEventSettings } from "../../src/Http/RunEventStream.js";
import { defaultSimulatorSettings } from "../../src/Simulator/Settings.js";
import { startSimulator } from "../../src/Simulator/SimulatorServer.js";
import { testConfig } from "./config.js";
export const tempDatabase = () => join(mkdtempSync(join(tmpdir(), "faulty-runs-")), "runs.sqlite");
/** The real simulator on a free loopback port, for the life of the scope. */
export const simulator = (settings = {}) => startSimulator({ ...defaultSimulatorSettings, port: 0, latencyMs: 20, jitterMs: 10, latency504Ms: 30, ...settings });
/** The whole service in this process on a free loopback port, for the life of the scope. */
export const service = (overrides, events = {}) => Effect.gen(function* () {
    const eventSettings = Layer.effect(RunEventSettings, Effect.map(RunEventSettings, (defaults) => ({ ...defaults, ...events })));
    const context = yield* Layer.build(AppLive.pipe(Layer.provide(AppConfig.layer(testConfig(overrides))), Layer.provide(eventSettings)));
    const address = Context.get(context, HttpServer.HttpServer).address;
    if (address._tag !== "TcpAddress")
        return yield* Effect.die("expected a TCP address");
    return new URL(`http://127.0.0.1:${address.port}`);
});
/** The simulator and the service in front of it. */
export const stack = (overrides = {}, settings = {}, events = {}) => Effect.gen(function* () {
    const sim = yield* simulator(settings);
    const base = yield* service({ faultyServerUrl: Option.some(sim.url), ...overrides }, events);
    return { base, simulatorUrl: sim.url };
});
export const request = (url, init = {}) => Effect.promise(async () => {
    const response = await fetch(url, init);
    const text = await response.text();
    let json = undefined;
    try {
        json = parseExact(text, ["sum"]);
    }
    catch {
        json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
});
const toWireRun = (json) => ({ ...json, sum: BigInt(json.sum) });
export const postRun = (base, body) => request(new URL("/runs", base), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body)
});
export const createRun = (base, seconds) => Effect.flatMap(postRun(base, { seconds }), (answer) => answer.status === 202 ? Effect.succeed(toWireRun(answer.json)) : Effect.die(`POST /runs answered ${answer.status}: ${answer.text}`));
export const getRun = (base, id) => Effect.flatMap(request(new URL(`/runs/${id}`, base)), (answer) => answer.status === 200 ? Effect.succeed(toWireRun(answer.json)) : Effect.die(`GET /runs/${id} answered ${answer.status}`));
/** Polls until the run is FINISHED (real time). */
export const awaitFinished = (base, id, timeoutMs = 30_000) => Effect.gen(function* () {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        const run = yield* getRun(base, id);
        if (run.status === "FINISHED")
            return run;
        yield* Effect.sleep("100 millis");
    }
    return yield* Effect.die(`run ${id} did not finish within ${timeoutMs} ms`);
});
