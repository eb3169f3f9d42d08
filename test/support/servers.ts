import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { HttpServer } from "@effect/platform"
import { Context, Effect, Layer, Option } from "effect"
import { AppLive } from "../../src/App.js"
import { AppConfig, type AppConfigShape } from "../../src/Config.js"
import { parseExact } from "../../src/Domain/ExactJson.js"
import { RunEventSettings } from "../../src/Http/RunEventStream.js"
import { defaultSimulatorSettings, type SimulatorSettings } from "../../src/Simulator/Settings.js"
import { startSimulator } from "../../src/Simulator/SimulatorServer.js"
import { testConfig } from "./config.js"

export const tempDatabase = () => join(mkdtempSync(join(tmpdir(), "faulty-runs-")), "runs.sqlite")

/** The real simulator on a free loopback port, for the life of the scope. */
export const simulator = (settings: Partial<SimulatorSettings> = {}) =>
  startSimulator({ ...defaultSimulatorSettings, port: 0, latencyMs: 20, jitterMs: 10, latency504Ms: 30, ...settings })

/** The whole service in this process on a free loopback port, for the life of the scope. */
export const service = (overrides: Partial<AppConfigShape>, events: Partial<Context.Tag.Service<typeof RunEventSettings>> = {}) =>
  Effect.gen(function* () {
    const eventSettings = Layer.effect(
      RunEventSettings,
      Effect.map(RunEventSettings, (defaults) => ({ ...defaults, ...events }))
    )
    const context = yield* Layer.build(
      AppLive.pipe(Layer.provide(AppConfig.layer(testConfig(overrides))), Layer.provide(eventSettings))
    )
    const address = Context.get(context, HttpServer.HttpServer).address
    if (address._tag !== "TcpAddress") return yield* Effect.die("expected a TCP address")
    return new URL(`http://127.0.0.1:${address.port}`)
  })

/** The simulator and the service in front of it. */
export const stack = (
  overrides: Partial<AppConfigShape> = {},
  settings: Partial<SimulatorSettings> = {},
  events: Partial<Context.Tag.Service<typeof RunEventSettings>> = {}
) =>
  Effect.gen(function* () {
    const sim = yield* simulator(settings)
    const base = yield* service({ faultyServerUrl: Option.some(sim.url), ...overrides }, events)
    return { base, simulatorUrl: sim.url }
  })

export interface WireRun {
  readonly id: string
  readonly status: "PENDING" | "IN_PROGRESS" | "FINISHED"
  readonly seconds: number
  readonly successful_responses_count: number
  readonly sum: bigint
  readonly created_at: string
  readonly started_at: string | null
  readonly ends_at: string | null
  readonly finished_at: string | null
}

export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly json: any
}

export const request = (url: URL | string, init: RequestInit = {}) =>
  Effect.promise(async (): Promise<Answer> => {
    const response = await fetch(url, init)
    const text = await response.text()
    let json: unknown = undefined
    try {
      json = parseExact(text, ["sum"])
    } catch {
      json = undefined
    }
    return { status: response.status, headers: response.headers, text, json }
  })

const toWireRun = (json: any): WireRun => ({ ...json, sum: BigInt(json.sum) })

export const postRun = (base: URL, body: unknown) =>
  request(new URL("/runs", base), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body)
  })

export const createRun = (base: URL, seconds: number) =>
  Effect.flatMap(postRun(base, { seconds }), (answer) =>
    answer.status === 202 ? Effect.succeed(toWireRun(answer.json)) : Effect.die(`POST /runs answered ${answer.status}: ${answer.text}`)
  )

export const getRun = (base: URL, id: string) =>
  Effect.flatMap(request(new URL(`/runs/${id}`, base)), (answer) =>
    answer.status === 200 ? Effect.succeed(toWireRun(answer.json)) : Effect.die(`GET /runs/${id} answered ${answer.status}`)
  )

/** Polls until the run is FINISHED (real time). */
export const awaitFinished = (base: URL, id: string, timeoutMs = 30_000) =>
  Effect.gen(function* () {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      const run = yield* getRun(base, id)
      if (run.status === "FINISHED") return run
      yield* Effect.sleep("100 millis")
    }
    return yield* Effect.die(`run ${id} did not finish within ${timeoutMs} ms`)
  })
