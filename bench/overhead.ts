/**
 * The engine's cost per attempt without any network, so the number is Effect's (and the
 * limiter's) share of the hot path: a run against an upstream that answers on the next turn of
 * the event loop. `npx tsx bench/overhead.ts` prints it; `npm run bench` puts it in the report.
 */
import { Effect, Layer, Logger, LogLevel, Option } from "effect"
import { engineOn, upstreamOf } from "../src/App.js"
import { AppConfig } from "../src/Config.js"
import { Runs } from "../src/Runs/Runs.js"

/** Attempts made by the instant upstream since the last reset. */
export const instantAttempts = { count: 0 }
// Yields to the event loop like a real answer would, then succeeds.
const instant = Effect.async<number>((resume) => {
  instantAttempts.count += 1
  setImmediate(() => resume(Effect.succeed(1)))
})

/** The run engine (one run at a time) against the instant upstream, on an in-memory database. */
export const instantEngine = (concurrency: number | "auto") =>
  engineOn(upstreamOf(() => instant, new URL("http://instant.test/"))).pipe(
    Layer.provide(
      AppConfig.layer({
        port: 0,
        host: "127.0.0.1",
        faultyServerUrl: Option.none(),
        maxConcurrentRuns: 1,
        maxPendingRuns: 1,
        databaseUrl: ":memory:",
        upstreamConcurrency: concurrency,
        upstreamInitialConcurrency: 16,
        upstreamMaxConcurrency: 64,
        upstreamTimeoutMs: 1000,
        warmUpMs: 0,
        checkpointIntervalMs: 500,
        shutdownGraceMs: 1000
      })
    )
  )

export const measureEngineOverhead = async (): Promise<ReadonlyArray<string>> => {
  const lines: Array<string> = []
  for (const concurrency of [16, "auto"] as const) {
    instantAttempts.count = 0
    const cpu = process.cpuUsage()
    await Effect.runPromise(
      Effect.gen(function* () {
        const runs = yield* Runs
        const run = yield* runs.create(3)
        for (;;) {
          yield* Effect.sleep("200 millis")
          if ((yield* runs.get(run.id)).status === "FINISHED") return
        }
      }).pipe(Effect.provide(instantEngine(concurrency)), Effect.provide(Logger.minimumLogLevel(LogLevel.Warning)))
    )
    const used = process.cpuUsage(cpu)
    lines.push(
      `engine overhead, UPSTREAM_CONCURRENCY=${concurrency}: ${Math.round(instantAttempts.count / 3)} attempts/s on one core, ` +
        `${((used.user + used.system) / instantAttempts.count).toFixed(1)} µs of CPU per attempt`
    )
  }
  return lines
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of await measureEngineOverhead()) console.log(line)
}
