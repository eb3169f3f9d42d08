import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawnService } from "../support/process.js"
import { countRows } from "../support/database.js"
import { parseExposition } from "../support/prometheus.js"
import { rawExchange, rawRequest } from "../support/rawHttp.js"
import { createRun, postRun, request, stack, tempDatabase } from "../support/servers.js"

const json = ["Content-Type: application/json"]
const expectJsonError = (response: { status: number; headers: Record<string, string>; body: string } | undefined, status: number) => {
  expect(response, "an answer").toBeDefined()
  expect(response!.status).toBe(status)
  expect(response!.headers["content-type"]).toMatch(/^application\/json/)
  expect(typeof JSON.parse(response!.body).message).toBe("string")
}

// One test per row of issue 13's table: each failed before the fix.
describe("hostile requests", () => {
  it.live("request targets new URL() refuses get a JSON 400 or 404, never a 500", () =>
    Effect.gen(function* () {
      const { base } = yield* stack()
      for (const target of ["//", "//:80/runs", "http://[::1/runs", "http://a:b@/runs", "///"]) {
        for (const method of ["GET", "HEAD"]) {
          const { responses } = yield* rawExchange(base, rawRequest(method, target, { headers: ["Connection: close"] }), {
            head: method === "HEAD"
          })
          expect(responses.length, `${method} ${target}`).toBe(1)
          expect([400, 404], `${method} ${target}`).toContain(responses[0]!.status)
          if (method === "GET") expectJsonError(responses[0], responses[0]!.status)
        }
      }
      // The absolute form a server must accept (RFC 9112 §3.2.2) reaches its route.
      const absolute = yield* rawExchange(base, rawRequest("GET", `http://test/health`, { headers: ["Connection: close"] }))
      expect(absolute.responses[0]!.status).toBe(200)
    }).pipe(Effect.scoped))

  it.live("a value whose String() throws gets the validation message, not a 500", () =>
    Effect.gen(function* () {
      const databaseUrl = tempDatabase()
      const { base } = yield* stack({ databaseUrl })
      for (const body of ['{"seconds":{"toString":1}}', '{"seconds":{"valueOf":1,"toString":1}}', '{"seconds":[{"toString":1}]}']) {
        const answer = yield* postRun(base, body)
        expect(answer.status, body).toBe(400)
        expect(answer.text, body).toMatch(/seconds must be/)
      }
      expect(countRows(databaseUrl)).toBe(0)
    }).pipe(Effect.scoped))

  it.live("deep nesting well under the body limit is a 400 naming the depth", () =>
    Effect.gen(function* () {
      const databaseUrl = tempDatabase()
      const { base } = yield* stack({ databaseUrl })
      for (const body of ["[".repeat(3000) + "]".repeat(3000), '{"seconds":' + "[".repeat(8000), '{"seconds":' + '{"a":'.repeat(2000) + "1" + "}".repeat(2001)]) {
        const answer = yield* postRun(base, body)
        expect(answer.status).toBe(400)
        expect(answer.json.message).toMatch(/nests \d+ levels deep; at most 32/)
      }
      // Brackets inside strings are not nesting.
      const inString = yield* postRun(base, `{"seconds": 1, "note": "${"[".repeat(100)}"}`)
      expect(inString.status).toBe(202)
      expect(countRows(databaseUrl)).toBe(1)
    }).pipe(Effect.scoped))

  it.live("application/*+json bodies are accepted and answered; other types get 415", () =>
    Effect.gen(function* () {
      const databaseUrl = tempDatabase()
      const { base } = yield* stack({ databaseUrl })
      for (const type of ["application/merge-patch+json", "application/problem+json", "application/vnd.api+json; charset=utf-8"]) {
        const answer = yield* request(new URL("/runs", base), {
          method: "POST",
          headers: { "content-type": type },
          body: '{"seconds":1}',
          signal: AbortSignal.timeout(5_000)
        })
        expect(answer.status, type).toBe(202)
        const invalid = yield* request(new URL("/runs", base), {
          method: "POST",
          headers: { "content-type": type },
          body: '{"seconds":0}',
          signal: AbortSignal.timeout(5_000)
        })
        expect(invalid.status, type).toBe(400)
      }
      const xml = yield* request(new URL("/runs", base), { method: "POST", headers: { "content-type": "application/xml+jsonish" }, body: "{}" })
      expect(xml.status).toBe(415)
      expect(countRows(databaseUrl)).toBe(3)
    }).pipe(Effect.scoped))

  it.live("paths the guard and the router read differently get a JSON 404, are not ERROR lines, and /metrics counts the 404", () =>
    Effect.gen(function* () {
      const service = yield* spawnService({ DATABASE_URL: ":memory:" })
      const targets = ["/./health", "/health/..", "/runs/%", "/runs/%FF", "/runs/" + "a".repeat(101), "/HEALTH", "/health;x", "//health", "/runs//events"]
      for (const target of targets) {
        const { responses } = yield* rawExchange(service.base, rawRequest("GET", target, { headers: ["Connection: close"] }))
        expectJsonError(responses[0], 404)
      }
      // A long id the router still takes is looked up (and not found): a JSON 404 too.
      expectJsonError((yield* rawExchange(service.base, rawRequest("GET", "/runs/" + "a".repeat(100), { headers: ["Connection: close"] }))).responses[0], 404)
      const metrics = parseExposition((yield* request(new URL("/metrics", service.base))).text)
      expect(metrics.total("faulty_runs_http_requests_total", { status: "500" })).toBe(0)
      expect(metrics.total("faulty_runs_http_requests_total", { status: "404" })).toBe(targets.length + 1)
      expect(service.logs.filter((log) => log["level"] === "ERROR")).toEqual([])
    }).pipe(Effect.scoped))

  it.live("pipelined POSTs behind a 413 or a Connection: close are not executed", () =>
    Effect.gen(function* () {
      const databaseUrl = tempDatabase()
      const { base } = yield* stack({ databaseUrl })
      const post = (headers: ReadonlyArray<string> = []) => rawRequest("POST", "/runs", { headers: [...json, ...headers], body: '{"seconds":1}' })
      const oversized = rawRequest("POST", "/runs", { headers: json, body: `{"seconds":1,"pad":"${"x".repeat(20_000)}"}` })
      const behind413 = yield* rawExchange(base, oversized + post() + post())
      expect(behind413.responses.map((response) => response.status)).toEqual([413])
      expect(behind413.closed).toBe(true)
      const behindClose = yield* rawExchange(base, post(["Connection: close"]) + post() + post())
      expect(behindClose.responses.map((response) => response.status)).toEqual([202])
      const http10 = yield* rawExchange(base, rawRequest("POST", "/runs", { headers: json, body: '{"seconds":1}', version: "1.0" }) + post())
      expect(http10.responses.map((response) => response.status)).toEqual([202])
      // A chunked body over the limit is only found too large while it is read: what follows waits for that verdict.
      const chunked = `POST /runs HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${(20_000).toString(16)}\r\n${" ".repeat(20_000)}\r\n0\r\n\r\n`
      const behindChunked = yield* rawExchange(base, chunked + post())
      expect(behindChunked.responses.map((response) => response.status)).toEqual([413])
      expect(countRows(databaseUrl)).toBe(2) // the Connection: close one and the HTTP/1.0 one, each answered
      // Keep-alive pipelining still works.
      const kept = yield* rawExchange(base, post() + post(["Connection: close"]))
      expect(kept.responses.map((response) => response.status)).toEqual([202, 202])
      expect(countRows(databaseUrl)).toBe(4)
    }).pipe(Effect.scoped))

  it.live("a valid POST followed by a stray byte is not executed; the parse error is answered in JSON and counted in /metrics", () =>
    Effect.gen(function* () {
      const databaseUrl = tempDatabase()
      const { base } = yield* stack({ databaseUrl })
      const exchange = yield* rawExchange(base, rawRequest("POST", "/runs", { headers: json, body: '{"seconds":1}' }) + "x\r\n\r\n")
      expect(exchange.closed).toBe(true)
      expect(exchange.responses.map((response) => response.status)).toEqual([400])
      expectJsonError(exchange.responses[0], 400)
      expect(countRows(databaseUrl)).toBe(0)
      const list = yield* request(new URL("/runs", base))
      expect(list.json.runs).toEqual([])
      // Answered by the server itself, outside the HTTP app, and counted all the same: the 400 of the
      // bytes Node refused, and a 417 for an Expect it cannot meet.
      const expectation = yield* rawExchange(base, rawRequest("POST", "/runs", { headers: [...json, "Expect: 200-ok", "Connection: close"], body: "" }))
      expect(expectation.responses.map((response) => response.status)).toEqual([417])
      const metrics = parseExposition((yield* request(new URL("/metrics", base))).text)
      expect(metrics.total("faulty_runs_http_requests_total", { route: "(unparsed)", status: "400" })).toBe(1)
      expect(metrics.total("faulty_runs_http_requests_total", { route: "/runs", status: "417" })).toBe(1)
    }).pipe(Effect.scoped))

  it.live("HEAD works wherever GET does, with GET's status and headers and no body", () =>
    Effect.gen(function* () {
      const { base } = yield* stack()
      const run = yield* createRun(base, 1)
      for (const path of ["/health", "/version", "/runs", `/runs/${run.id}`, `/runs/${run.id}/events`, "/metrics", "/openapi.json", "/"]) {
        const head = yield* rawExchange(base, rawRequest("HEAD", path, { headers: ["Connection: close"] }), { head: true, waitMs: 3_000 })
        expect(head.responses.length, path).toBe(1)
        expect(head.responses[0]!.status, path).toBe(200)
        expect(head.closed, path).toBe(true) // the event stream's HEAD ends too
        const contentType = path.endsWith("/events")
          ? "text/event-stream"
          : (yield* request(new URL(path, base))).headers.get("content-type")
        expect(head.responses[0]!.headers["content-type"], path).toBe(contentType)
        expect(head.raw.split("\r\n\r\n")[1], path).toBe("")
      }
      const unknown = yield* rawExchange(base, rawRequest("HEAD", "/runs/nope", { headers: ["Connection: close"] }), { head: true })
      expect(unknown.responses[0]!.status).toBe(404)
      const allow = (yield* request(new URL("/health", base), { method: "DELETE" })).headers.get("allow")
      expect(allow).toBe("GET, HEAD")
    }).pipe(Effect.scoped))

  it.live("an event stream with a Last-Event-ID ahead of the run answers at once with its current state", () =>
    Effect.gen(function* () {
      const { base } = yield* stack({ maxConcurrentRuns: 1 }, { concurrencyLimit: 0 })
      const running = yield* createRun(base, 30)
      const started = Date.now()
      const ahead = yield* rawExchange(base, rawRequest("GET", `/runs/${running.id}/events`, { headers: ["Last-Event-ID: 2-0"] }), { waitMs: 1_500 })
      expect(Date.now() - started).toBeLessThan(5_000)
      expect(ahead.raw).toMatch(/^HTTP\/1\.1 200/)
      expect(ahead.raw).toMatch(/id: [01]-0\nevent: run\n/)
      // A FINISHED run whose final state the client has: 204, which stops an EventSource from reconnecting.
      const { base: other } = yield* stack()
      const short = yield* createRun(other, 1)
      yield* Effect.sleep("2500 millis")
      const final = yield* request(new URL(`/runs/${short.id}`, other))
      expect(final.json.status).toBe("FINISHED")
      const done = yield* request(new URL(`/runs/${short.id}/events`, other), {
        headers: { "last-event-id": `2-${final.json.successful_responses_count}` }
      })
      expect(done.status).toBe(204)
      const beyond = yield* request(new URL(`/runs/${short.id}/events`, other), { headers: { "last-event-id": "2-999999999" } })
      expect(beyond.status).toBe(200)
      expect(beyond.text).toMatch(/id: 2-\d+\nevent: run\n/)
    }).pipe(Effect.scoped))

  it.live("a repeated Idempotency-Key (or Content-Type, or Last-Event-ID) is a 400, and nothing is created", () =>
    Effect.gen(function* () {
      const databaseUrl = tempDatabase()
      const { base } = yield* stack({ databaseUrl })
      for (const headers of [["Idempotency-Key: a", "Idempotency-Key: b"], ["Idempotency-Key: a", "idempotency-key: a"], [...json, ...json]]) {
        const { responses } = yield* rawExchange(base, rawRequest("POST", "/runs", { headers: [...json.slice(headers.includes(json[0]!) ? 1 : 0), ...headers, "Connection: close"], body: '{"seconds":1}' }))
        expectJsonError(responses[0], 400)
        expect(JSON.parse(responses[0]!.body).message).toMatch(/header must be sent once/)
      }
      expect(countRows(databaseUrl)).toBe(0)
    }).pipe(Effect.scoped))
})
