import { HttpMiddleware, HttpServer } from "@effect/platform"
import { Effect, Layer, Logger, Option } from "effect"
import { AppLive } from "./App.js"
import { AppConfig, loadAppConfig } from "./Config.js"
import { packageJson } from "./Observability/BuildInfo.js"
import { tracingLayer } from "./Observability/Tracing.js"
import { loadTracingConfig } from "./Observability/TracingConfig.js"
import { capHeapGrowth } from "./HeapGrowth.js"
import { withSharedScheduler } from "./SharedScheduler.js"

/**
 * SIGTERM/SIGINT: NodeRuntime interrupts the main fiber and the layers close in reverse (server
 * first, then the runs, which save their counters); connections clients still hold open are cut
 * after a short grace (Http/Connections), so a shutdown takes seconds whatever they do. A second
 * signal, or a shutdown that outlasts SHUTDOWN_GRACE_MS, exits at once (1: it was cut short).
 */
const exitOnSecondSignal = (graceMs: number) => {
  let signals = 0
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1
    if (signals === 1) {
      setTimeout(() => {
        process.stderr.write(`faulty-runs: shutdown took longer than ${graceMs} ms, exiting\n`)
        process.exit(1)
      }, graceMs).unref()
      return
    }
    process.stderr.write(`faulty-runs: second ${signal}, exiting now\n`)
    process.exit(130)
  }
  process.on("SIGTERM", onSignal)
  process.on("SIGINT", onSignal)
}

/** The service until it is stopped: `npm start` and `faulty-runs serve`. */
export const serveService = Effect.gen(function* () {
  const [config, tracing] = yield* Effect.all([loadAppConfig, loadTracingConfig]).pipe(
    Effect.catchAll((problem) =>
      Effect.sync(() => {
        process.stderr.write(`faulty-runs: invalid configuration: ${problem}\n`)
        process.exit(2)
      })
    )
  )
  exitOnSecondSignal(config.shutdownGraceMs)
  capHeapGrowth()
  return yield* Effect.catchAll(Layer.launch(
    AppLive.pipe(
      HttpServer.withLogAddress,
      // With no exporter, a span per request would only be built and dropped (about a tenth of what
      // a GET allocates, measured with the sampling heap profiler).
      HttpMiddleware.withTracerDisabledWhen(() => Option.isNone(tracing.tracesUrl)),
      Layer.provide(AppConfig.layer(config)),
      // Provided last, so it is built first and closed last: spans that end during shutdown are still sent.
      Layer.provide(tracingLayer(tracing, packageJson.version))
    )
  ), (problem) =>
    Effect.sync(() => {
      process.stderr.write(`faulty-runs: cannot start: ${startupFailure(problem)}\n`)
      process.exit(1)
    })
  )
}).pipe(Effect.provide(Logger.json), withSharedScheduler)

/** One line for what stopped the start-up: the database out of reach, the port taken, ... */
const startupFailure = (problem: unknown): string => {
  const { _tag, message, cause } = (typeof problem === "object" && problem !== null ? problem : {}) as {
    _tag?: unknown
    message?: unknown
    cause?: { message?: unknown }
  }
  const textOf = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined)
  const text = textOf(message) ?? textOf(cause?.message) ?? String(problem)
  if (_tag === "SqlError") return `the database (DATABASE_URL) did not answer: ${text}`
  if (_tag === "ServeError") return `cannot listen on HOST:PORT: ${textOf(cause?.message) ?? text}`
  return text
}
