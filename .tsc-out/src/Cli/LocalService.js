import { HttpServer } from "@effect/platform";
import { Context, Effect, Layer } from "effect";
import { AppLive } from "../App.js";
import { AppConfig, loadAppConfig } from "../Config.js";
/**
 * The whole service inside the CLI, on a free loopback port, for `run --local`. Its database is
 * in memory unless DATABASE_URL names one, so that it never shares a file with a running service.
 */
export const localService = Effect.gen(function* () {
    const config = yield* loadAppConfig;
    const databaseUrl = process.env["DATABASE_URL"] === undefined ? ":memory:" : config.databaseUrl;
    const context = yield* Layer.build(AppLive.pipe(Layer.provide(AppConfig.layer({ ...config, port: 0, host: "127.0.0.1", databaseUrl }))));
    const address = Context.get(context, HttpServer.HttpServer).address;
    return address._tag === "TcpAddress" ? `http://127.0.0.1:${address.port}` : yield* Effect.dieMessage("expected a TCP address");
});
