import { fc, test } from "@fast-check/vitest"
import { Effect, Exit, Scope } from "effect"
import { afterAll, beforeAll, describe, expect } from "vitest"
import { countRows } from "../support/database.js"
import { type RawExchange, rawExchange, rawRequest, type RawResponse } from "../support/rawHttp.js"
import { request, stack, tempDatabase } from "../support/servers.js"

// A hostile client over the whole HTTP surface: targets, methods, headers, bodies, content types and
// framing, generated from fixed seeds (a failure prints its seed and counterexample to replay).
// Every answer must be below 500, every error JSON with a message, and the runs in the database
// exactly the runs some client was answered 202 for.

// HTTP_FUZZ_SEED and HTTP_FUZZ_RUNS explore further (e.g. HTTP_FUZZ_RUNS=2000); the suite runs the fixed seeds.
const seedOffset = Number(process.env["HTTP_FUZZ_SEED"] ?? 0)
const runsTimes = Number(process.env["HTTP_FUZZ_RUNS"] ?? 1)
const settings = (seed: number, numRuns: number) => ({ seed: seed + seedOffset, numRuns: numRuns * runsTimes })

const databaseUrl = tempDatabase()
const scope = Effect.runSync(Scope.make())
let base: URL
const announced = new Set<string>()

beforeAll(async () => {
  base = (await Effect.runPromise(Scope.extend(stack({ databaseUrl, maxPendingRuns: 1_000, maxConcurrentRuns: 2 }), scope))).base
})
afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)))

const send = (bytes: string | Buffer, options: { readonly head?: boolean; readonly waitMs?: number } = {}) =>
  Effect.runPromise(rawExchange(base, bytes, { waitMs: 1_000, ...options }))

const checkAnswer = (response: RawResponse, context: string) => {
  expect(response.status, context).toBeGreaterThanOrEqual(200)
  expect(response.status, context).toBeLessThan(500)
  if (response.status === 202) {
    const run = JSON.parse(response.body) as { id: string }
    announced.add(run.id)
  }
  if (response.status >= 400 && response.body !== "") {
    expect(response.headers["content-type"], context).toMatch(/^application\/json/)
    expect(typeof JSON.parse(response.body).message, context).toBe("string")
  }
}

const checkExchange = (exchange: RawExchange, context: string, head = false) => {
  for (const response of exchange.responses) {
    checkAnswer(response, context)
    if (!head && response.status >= 400) expect(response.body, `${context}: an error with a body`).not.toBe("")
  }
}

const pathPart = fc.constantFrom(
  "/", "//", ".", "..", "%", "%FF", "%2F", "%41", "%00", "?", "#", ";", "*", "runs", "health", "events", "HEALTH",
  "docs", "openapi.json", "dashboard", "app.js", "stats", "throughput", "metrics", "ready", "version",
  "01M8TFE2MR1XQFW8JR8T71DD0D", "a".repeat(101), "?wait=0", "?wait=-1", "?limit=0", "?status=X", "?cursor=%",
  "?since=1e3", "&", "=", "ü", "http://x", "http://[::1", "@", ":80"
)
const target = fc.array(pathPart, { minLength: 0, maxLength: 6 }).map((parts) => parts.join(""))
const method = fc.constantFrom("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND")
const contentType = fc.constantFrom(
  undefined, "application/json", "application/json; charset=utf-8", "application/merge-patch+json", "application/problem+json",
  "application/vnd.api+json", "text/plain", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded",
  "application/*+json", "APPLICATION/JSON", "application/json;", "", "json", "application/jsonx"
)
const seconds = fc.oneof(
  fc.integer({ min: -5, max: 90_000 }), fc.double(), fc.string(), fc.constant(null), fc.boolean(),
  fc.constant({ toString: 1 }), fc.array(fc.integer()), fc.bigInt().map((n) => n.toString()), fc.anything()
)
const body = fc.oneof(
  seconds.map((value) => JSON.stringify({ seconds: value }) ?? ""),
  fc.json(),
  fc.string({ maxLength: 200 }),
  fc.integer({ min: 1, max: 5_000 }).map((depth) => "[".repeat(depth) + "]".repeat(depth)),
  fc.integer({ min: 1, max: 5_000 }).map((depth) => '{"seconds":' + "[".repeat(depth)),
  fc.integer({ min: 16_000, max: 20_000 }).map((size) => `{"seconds":1,"pad":"${"x".repeat(size)}"}`),
  fc.constant('{"seconds":1}')
)
const headerName = fc.constantFrom(
  "Idempotency-Key", "Last-Event-ID", "Accept", "X-Anything", "Content-Type", "Expect", "Upgrade", "Connection", "Cookie", "Range", "If-None-Match"
)
const headerValue = fc.oneof(
  fc.stringMatching(/^[\x21-\x7e][\x20-\x7e]{0,40}$/),
  fc.constantFrom("2-0", "1-5", "0-0", "close", "keep-alive", "websocket", "100-continue", "", "a, b")
)
const headers = fc.array(fc.tuple(headerName, headerValue), { maxLength: 4 })

describe("the HTTP surface under generated requests", () => {
  test.prop({ method, target, headers }, settings(1301, 250))(
    "any method, request target and headers: an answer below 500, JSON on every error",
    async ({ method, target, headers }) => {
      const lines = [...headers.map(([name, value]) => `${name}: ${value}`), "Connection: close"]
      const body = method === "POST" ? '{"seconds":1}' : undefined
      const exchange = await send(rawRequest(method, target, { headers: lines, ...(body === undefined ? {} : { body }) }), {
        head: method === "HEAD"
      })
      checkExchange(exchange, `${method} ${target} ${JSON.stringify(headers)}`, method === "HEAD")
    }
  )

  test.prop({ contentType, body, idempotencyKey: fc.option(fc.constantFrom("k1", "k2", "k3"), { nil: undefined }) }, settings(1302, 250))(
    "any body and content type on POST /runs: 202, or a JSON 4xx that creates nothing",
    async ({ contentType, body, idempotencyKey }) => {
      const lines = [
        ...(contentType === undefined ? [] : [`Content-Type: ${contentType}`]),
        ...(idempotencyKey === undefined ? [] : [`Idempotency-Key: ${idempotencyKey}`]),
        "Connection: close"
      ]
      const exchange = await send(rawRequest("POST", "/runs", { headers: lines, body }))
      expect(exchange.responses.length, `${contentType} ${body.slice(0, 80)}`).toBe(1)
      checkExchange(exchange, `${contentType} ${body.slice(0, 80)}`)
      expect([202, 400, 413, 415, 422, 429]).toContain(exchange.responses[0]!.status)
    }
  )

  const piece = fc.oneof(
    fc.constant(rawRequest("POST", "/runs", { headers: ["Content-Type: application/json"], body: '{"seconds":1}' })),
    fc.constant(rawRequest("POST", "/runs", { headers: ["Content-Type: application/json", "Connection: close"], body: '{"seconds":1}' })),
    fc.constant(rawRequest("POST", "/runs", { headers: ["Content-Type: application/json"], body: '{"seconds":1}', version: "1.0" })),
    fc.constant(rawRequest("POST", "/runs", { headers: ["Content-Type: application/json"], body: `{"seconds":1,"pad":"${"x".repeat(17_000)}"}` })),
    fc.constant("POST /runs HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nd\r\n{\"seconds\":1}\r\n0\r\n\r\n"),
    fc.constant("POST /runs HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
    fc.constant("POST /runs HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"),
    fc.constant("POST /runs HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    fc.constant(rawRequest("GET", "/health")),
    fc.constant(rawRequest("HEAD", "/runs")),
    fc.constant(rawRequest("GET", "/runs?limit=1")),
    fc.constant("GET /health HTTP/1.1\r\n\r\n"), // no Host
    fc.constant("GET /health HTTP/1.1\r\nHost: t\r\nX: " + "v".repeat(20_000) + "\r\n\r\n"),
    fc.constant("GET / HTTP/2.0\r\nHost: t\r\n\r\n"),
    fc.constant("x"),
    fc.constant("\r\n"),
    fc.constant("GET /health HTTP/1.1\r\nHost: t\r\n"), // cut off
    fc.string({ maxLength: 30 })
  )

  test.prop({ pieces: fc.array(piece, { minLength: 1, maxLength: 5 }), close: fc.boolean() }, settings(1303, 150))(
    "pipelined, malformed or cut-off framing: answers below 500 in JSON, and no run a client was not told about",
    async ({ pieces, close }) => {
      const bytes = pieces.join("") + (close ? rawRequest("GET", "/health", { headers: ["Connection: close"] }) : "")
      const exchange = await send(bytes, { waitMs: 600 })
      checkExchange(exchange, JSON.stringify(bytes.slice(0, 300)))
      if (countRows(databaseUrl) !== announced.size && process.env["DEBUG_FUZZ"]) console.log("MISMATCH", JSON.stringify(bytes.slice(0, 600)), JSON.stringify(exchange.raw.slice(0, 1500)), exchange.closed)
      expect(countRows(databaseUrl), `runs created by ${JSON.stringify(bytes.slice(0, 300))}`).toBe(announced.size)
    }
  )

  test.prop({ bytes: fc.uint8Array({ minLength: 1, maxLength: 400 }) }, settings(1304, 100))(
    "random bytes: an answer below 500 or none",
    async ({ bytes }) => {
      const exchange = await send(Buffer.from(bytes), { waitMs: 300 })
      checkExchange(exchange, Buffer.from(bytes).toString("hex").slice(0, 200))
    }
  )

  test("afterwards the service is alive, and its runs are exactly those it announced", async () => {
    const health = await Effect.runPromise(request(new URL("/health", base)))
    expect(health.status).toBe(200)
    // A run is saved before its 202 is sent: wait for stragglers of the last exchanges.
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(announced.size).toBeGreaterThan(0)
    expect(countRows(databaseUrl)).toBe(announced.size)
  })
})
