import { mkdtempSync, readFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { projectRoot } from "../support/childProcess.js"
import { expectRefusedConfigurations, spawnService } from "../support/process.js"
import { awaitFinished, createRun, request, simulator, tempDatabase } from "../support/servers.js"

interface OtlpAttribute {
  readonly key: string
  readonly value: { readonly stringValue?: string; readonly intValue?: string | number; readonly boolValue?: boolean }
}

interface ExportedSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly name: string
  readonly attributes: ReadonlyArray<OtlpAttribute>
  readonly serviceName: string | undefined
}

const attribute = (span: ExportedSpan, key: string) => {
  const value = span.attributes.find((entry) => entry.key === key)?.value
  return value?.stringValue ?? value?.boolValue ?? (value?.intValue === undefined ? undefined : Number(value.intValue))
}

/** A minimal OTLP/HTTP collector: decodes every JSON export POSTed to /v1/traces. */
const otlpReceiver = Effect.acquireRelease(
  Effect.async<{ readonly url: URL; readonly spans: Array<ExportedSpan>; readonly contentTypes: Array<string>; readonly server: Server }>((resume) => {
    const spans: Array<ExportedSpan> = []
    const contentTypes: Array<string> = []
    const server = createServer((req, res) => {
      let body = ""
      req.setEncoding("utf8")
      req.on("data", (chunk) => (body += chunk))
      req.on("end", () => {
        if (req.method !== "POST" || req.url !== "/v1/traces") {
          res.writeHead(404).end()
          return
        }
        contentTypes.push(String(req.headers["content-type"]))
        const decoded = JSON.parse(body) as {
          resourceSpans: ReadonlyArray<{
            resource: { attributes: ReadonlyArray<OtlpAttribute> }
            scopeSpans: ReadonlyArray<{ spans: ReadonlyArray<Omit<ExportedSpan, "serviceName">> }>
          }>
        }
        for (const resourceSpan of decoded.resourceSpans) {
          const serviceName = resourceSpan.resource.attributes.find((entry) => entry.key === "service.name")?.value.stringValue
          for (const scope of resourceSpan.scopeSpans) for (const span of scope.spans) spans.push({ ...span, serviceName })
        }
        res.writeHead(200, { "content-type": "application/json" }).end("{}")
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      resume(Effect.succeed({ url: new URL(`http://127.0.0.1:${port}`), spans, contentTypes, server }))
    })
  }),
  (receiver) => Effect.promise(() => new Promise<void>((done) => receiver.server.close(() => done())))
)

/** The built service, recording every ES module it loads. */
const builtService = (env: Record<string, string>) =>
  Effect.gen(function* () {
    const modulesFile = join(mkdtempSync(join(tmpdir(), "faulty-runs-modules-")), "loaded.txt")
    const service = yield* spawnService(
      { DATABASE_URL: tempDatabase(), LOADED_MODULES_FILE: modulesFile, ...env },
      ["--import", join(projectRoot, "test/support/loadedModules.mjs")]
    )
    return { ...service, loadedModules: () => readFileSync(modulesFile, "utf8").trim().split("\n") }
  })

const exporterModule = /opentelemetry|Otlp/i

describe("traces over OTLP/HTTP", () => {
  it.live("a run's life and its HTTP requests are exported as linked spans, with no span per upstream attempt", () =>
    Effect.gen(function* () {
      const receiver = yield* otlpReceiver
      const sim = yield* simulator({ concurrencyLimit: 0, latencyMs: 5, jitterMs: 2, p500: 0.2, p504: 0 })
      const service = yield* builtService({
        FAULTY_SERVER_URL: sim.url.href,
        OTEL_EXPORTER_OTLP_ENDPOINT: `${receiver.url.href}`,
        OTEL_SERVICE_NAME: "faulty-runs-under-test",
        OTEL_BSP_SCHEDULE_DELAY: "100",
        UPSTREAM_CONCURRENCY: "4",
        CHECKPOINT_INTERVAL_MS: "300"
      })
      // A caller's trace context is taken up by the server span (W3C traceparent).
      const callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
      const callerSpan = "00f067aa0ba902b7"
      const posted = yield* request(new URL("/runs", service.base), {
        method: "POST",
        headers: { "content-type": "application/json", traceparent: `00-${callerTrace}-${callerSpan}-01` },
        body: '{"seconds": 2}'
      })
      expect(posted.status).toBe(202)
      const id = posted.json.id as string
      const finished = yield* awaitFinished(service.base, id)
      const stoppedWith = yield* Effect.promise(() => service.kill("SIGTERM"))
      expect(stoppedWith).toBe(0) // the exporter flushes on the way out

      const spans = receiver.spans
      expect(receiver.contentTypes.every((type) => type.startsWith("application/json"))).toBe(true)
      expect(new Set(spans.map((span) => span.serviceName))).toEqual(new Set(["faulty-runs-under-test"]))
      const named = (name: string) => spans.filter((span) => span.name === name)

      const [admit] = named("run.admit")
      expect(admit).toBeDefined()
      expect(attribute(admit!, "run.id")).toBe(id)
      expect(attribute(admit!, "run.seconds")).toBe(2)
      const post = spans.find((span) => span.spanId === admit!.parentSpanId)
      expect(post?.name).toBe("http.server POST")
      expect(post?.traceId).toBe(callerTrace)
      expect(post?.parentSpanId).toBe(callerSpan)

      const executions = named("run.execute").filter((span) => attribute(span, "run.id") === id)
      expect(executions).toHaveLength(1)
      const execute = executions[0]!
      expect(execute.parentSpanId ?? "").toBe("") // its own trace: a run outlives its request
      expect(attribute(execute, "run.resumed")).toBe(false)
      expect(attribute(execute, "run.successful_responses_count")).toBe(finished.successful_responses_count)
      expect(attribute(execute, "run.sum")).toBe(finished.sum.toString())
      const attempts = attribute(execute, "run.upstream_attempts") as number
      expect(attempts).toBeGreaterThan(finished.successful_responses_count) // 20% of the answers are 500s
      expect(finished.successful_responses_count).toBeGreaterThan(10)

      const inRun = spans.filter((span) => span.traceId === execute.traceId && span !== execute)
      const byId = new Map(inRun.map((span) => [span.spanId, span]))
      const children = inRun.filter((span) => span.parentSpanId === execute.spanId)
      const childNames = children.map((span) => span.name)
      expect(childNames.filter((name) => name === "run.queue_wait")).toHaveLength(1)
      expect(childNames.filter((name) => name === "run.finish")).toHaveLength(1)
      expect(childNames.filter((name) => name === "run.checkpoint").length).toBeGreaterThanOrEqual(2)
      // @effect/sql's own span for each statement: under the step that ran it (markStarted: the run itself).
      expect(new Set(childNames)).toEqual(new Set(["run.queue_wait", "run.checkpoint", "run.finish", "sql.execute"]))
      for (const span of inRun.filter((span) => span.parentSpanId !== execute.spanId)) {
        expect(span.name).toBe("sql.execute")
        expect(["run.checkpoint", "run.finish"]).toContain(byId.get(span.parentSpanId!)?.name)
      }
      const finish = children.find((span) => span.name === "run.finish")!
      expect(inRun.filter((span) => span.parentSpanId === finish.spanId).length).toBeGreaterThanOrEqual(1)

      // Nothing per upstream attempt anywhere: HTTP server spans, the run's own, and the database's.
      for (const span of spans) {
        expect(span.name).toMatch(/^(http\.server (GET|POST)|run\.(admit|execute|queue_wait|checkpoint|finish)|sql\.(execute|transaction))$/)
      }
      // The run's trace grows with its steps (a checkpoint, its statement), not with its attempts.
      const checkpoints = childNames.filter((name) => name === "run.checkpoint").length
      expect(inRun.length).toBeLessThanOrEqual(2 * (checkpoints + 2) + 1)
      // Under an HTTP span: the admission and the statements the request ran, nothing else.
      const httpSpanIds = new Set(spans.filter((span) => span.name.startsWith("http.server")).map((span) => span.spanId))
      const childrenOfHttp = spans.filter((span) => span.parentSpanId !== undefined && httpSpanIds.has(span.parentSpanId))
      expect(childrenOfHttp.filter((span) => span.name === "run.admit")).toHaveLength(1)
      expect(new Set(childrenOfHttp.map((span) => span.name))).toEqual(new Set(["run.admit", "sql.execute"]))
      expect(spans.filter((span) => span.parentSpanId === admit!.spanId).map((span) => span.name)).toContain("sql.execute")
      expect(named("http.server GET").length).toBeGreaterThanOrEqual(1) // awaitFinished's polls

      expect(service.loadedModules().some((url) => exporterModule.test(url))).toBe(true)
    }).pipe(Effect.scoped))

  it.live("without OTEL_EXPORTER_OTLP_ENDPOINT no exporter module is loaded", () =>
    Effect.gen(function* () {
      const sim = yield* simulator({ concurrencyLimit: 0 })
      const service = yield* builtService({ FAULTY_SERVER_URL: sim.url.href })
      const run = yield* createRun(service.base, 1)
      yield* awaitFinished(service.base, run.id)
      const loaded = service.loadedModules()
      expect(loaded.some((url) => url.includes("dist/bundle/main.mjs"))).toBe(true)
      expect(loaded.filter((url) => exporterModule.test(url))).toEqual([])
    }).pipe(Effect.scoped))

  it.live("an invalid tracing variable stops the service with one line naming it", () =>
    Effect.gen(function* () {
      const cases: Array<[Record<string, string>, RegExp]> = [
        [{ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" }, /^faulty-runs: invalid configuration: OTEL_EXPORTER_OTLP_ENDPOINT must be an/],
        [{ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }, /OTEL_EXPORTER_OTLP_PROTOCOL must be "http\/json" or "http\/protobuf"/],
        [{ OTEL_EXPORTER_OTLP_HEADERS: "no-equals-sign" }, /OTEL_EXPORTER_OTLP_HEADERS must be "name=value/]
      ]
      yield* expectRefusedConfigurations(cases)
    }))
})
