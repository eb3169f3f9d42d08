import { createServer, type RequestListener, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Either, Fiber, Layer } from "effect"
import { AppConfig } from "../../src/Config.js"
import type { RunId } from "../../src/Domain/RunId.js"
import { UpstreamClient } from "../../src/Upstream/UpstreamClient.js"
import { UpstreamTarget } from "../../src/Upstream/UpstreamTarget.js"
import { testConfig } from "../support/config.js"
import { simulator } from "../support/servers.js"

/** A real HTTP server on loopback that answers with whatever the test needs. */
const rawServer = (listener: RequestListener) =>
  Effect.map(
    Effect.acquireRelease(
      Effect.async<Server>((resume) => {
        const server = createServer(listener)
        server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
      }),
      (server) =>
        Effect.sync(() => {
          server.closeAllConnections()
          server.close()
        })
    ),
    (server) => new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
  )

const clientFor = (url: URL, upstreamTimeoutMs = 2_000) =>
  UpstreamClient.Default.pipe(
    Layer.provide(Layer.succeed(UpstreamTarget, url)),
    Layer.provide(AppConfig.layer(testConfig({ upstreamTimeoutMs })))
  )

const attemptOn = (url: URL, upstreamTimeoutMs?: number) =>
  Effect.flatMap(UpstreamClient, (client) => Effect.either(client.attempt("01ARZ3NDEKTSV4RRFFQ69G5FAV" as RunId, new AbortController().signal))).pipe(
    Effect.provide(clientFor(url, upstreamTimeoutMs))
  )

const bodyServer = (status: number, body: string) =>
  rawServer((_req, res) => {
    res.writeHead(status, { "content-type": "application/json" })
    res.end(body)
  })

describe("UpstreamClient", () => {
  it.live("decodes a success and sends X-Run-Id", () =>
    Effect.gen(function* () {
      let seenRunId: string | undefined
      const url = yield* rawServer((req, res) => {
        seenRunId = req.headers["x-run-id"] as string
        res.end('{"value": -2147483648}')
      })
      expect(yield* attemptOn(url)).toEqual(Either.right(-2_147_483_648))
      expect(seenRunId).toBe("01ARZ3NDEKTSV4RRFFQ69G5FAV")
    }).pipe(Effect.scoped))

  it.live("classifies 429, 500, 504 and other statuses", () =>
    Effect.gen(function* () {
      for (const [status, outcome] of [
        [429, "429"],
        [500, "500"],
        [504, "504"],
        [503, "status"],
        [404, "status"]
      ] as const) {
        const url = yield* bodyServer(status, '{"error": "x"}')
        const result = yield* attemptOn(url)
        expect(Either.isLeft(result) && result.left.outcome).toBe(outcome)
      }
    }).pipe(Effect.scoped))

  it.live("treats every malformed 200 body as a failed attempt", () =>
    Effect.gen(function* () {
      for (const body of ["not json", "{}", '{"value": 1.5}', '{"value": 2147483648}', '{"value": "7"}', "[]", ""]) {
        const url = yield* bodyServer(200, body)
        const result = yield* attemptOn(url)
        expect(Either.isLeft(result) && result.left.outcome, body).toBe("malformed")
      }
    }).pipe(Effect.scoped))

  it.live("reads a body sent in pieces, and takes a body over 64 KB as malformed without reading on", () =>
    Effect.gen(function* () {
      const pieces = yield* rawServer((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" })
        // A key with a two-byte character cut between the pieces: decoded only once whole.
        const body = Buffer.from('{"note": "\u00e9", "value": 42}')
        const cut = body.indexOf(0xc3) + 1
        res.write(body.subarray(0, cut))
        setTimeout(() => res.end(body.subarray(cut)), 20)
      })
      expect(yield* attemptOn(pieces)).toEqual(Either.right(42))
      const endless = yield* rawServer((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" })
        const chunk = "x".repeat(16 * 1024)
        const more = () => {
          if (!res.destroyed && res.write(chunk)) setImmediate(more)
          else if (!res.destroyed) res.once("drain", more)
        }
        more()
      })
      const result = yield* attemptOn(endless)
      expect(Either.isLeft(result) && result.left.detail).toBe("body longer than 65536 bytes")
    }).pipe(Effect.scoped))

  it.live("where the upstream limits connections, a connection refused with a 429 is used last", () =>
    Effect.gen(function* () {
      // C = 2 open connections; no random faults, so an answer is a 200 or the refusal of a connection the upstream does not serve.
      const sim = yield* simulator({ limitBy: "connections", concurrencyLimit: 2, p500: 0, p504: 0, latencyMs: 100, jitterMs: 0 })
      const client = Context.get(yield* Layer.build(clientFor(sim.url)), UpstreamClient)
      const rejections = (results: ReadonlyArray<Either.Either<number, { readonly outcome: string }>>) =>
        results.filter((result) => Either.isLeft(result) && result.left.outcome === "429").length
      const round = (requests: number, signal: AbortSignal) =>
        Effect.all(
          Array.from({ length: requests }, () => Effect.either(client.attempt("01ARZ3NDEKTSV4RRFFQ69G5FAV" as RunId, signal))),
          { concurrency: "unbounded" }
        )
      // Three connections at once: the upstream serves two and refuses every request on the third.
      expect(rejections(yield* round(3, new AbortController().signal))).toBe(1)
      // One served connection closes (its request abandoned): the upstream now serves the one it refused,
      // and the closed one, reopened, is refused in its turn.
      const abandoned = new AbortController()
      const cut = yield* Effect.fork(round(1, abandoned.signal))
      yield* Effect.sleep("30 millis")
      abandoned.abort()
      yield* Fiber.join(cut)
      yield* Effect.sleep("50 millis")
      // A connection that drew a 429 goes to the back, so the two served ones are found within a round or two.
      // (undici's Pool took connections in the order they were opened: the reopened one came first, 10 429s in 10 rounds.)
      let rejected = 0
      for (let i = 0; i < 10; i++) rejected += rejections(yield* round(2, new AbortController().signal))
      expect(rejected).toBeLessThanOrEqual(2)
    }).pipe(Effect.scoped))

  it.live("aborting the run's signal abandons every request of the run in flight", () =>
    Effect.gen(function* () {
      let arrived = 0
      let closed = 0
      const silent = yield* rawServer((req) => {
        arrived += 1
        req.socket.once("close", () => void (closed += 1))
      })
      const client = Context.get(yield* Layer.build(clientFor(silent, 10_000)), UpstreamClient)
      const run = new AbortController()
      const send = client.attempt("01ARZ3NDEKTSV4RRFFQ69G5FAV" as RunId, run.signal)
      const fibers = yield* Effect.forEach([1, 2, 3], () => Effect.fork(send))
      while (arrived < 3) yield* Effect.sleep("10 millis")
      run.abort()
      while (closed < 3) yield* Effect.sleep("10 millis")
      expect(closed).toBe(3)
      // An attempt made after the abort is abandoned before it is sent.
      yield* Fiber.interruptAll(fibers)
      const late = yield* Effect.either(Effect.timeout(send, "2 seconds"))
      expect(Either.isLeft(late) && late.left._tag).toBe("AttemptFailed")
      expect(arrived).toBe(3)
    }).pipe(Effect.scoped))

  it.live("a refused connection is a transport failure and a silent upstream a timeout", () =>
    Effect.gen(function* () {
      const refused = yield* attemptOn(new URL("http://127.0.0.1:1/"))
      expect(Either.isLeft(refused) && refused.left.outcome).toBe("transport")
      const silent = yield* rawServer(() => {})
      const started = Date.now()
      const timedOut = yield* attemptOn(silent, 300)
      expect(Either.isLeft(timedOut) && timedOut.left.outcome).toBe("timeout")
      expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    }).pipe(Effect.scoped))

  it.live("talks to the simulator", () =>
    Effect.gen(function* () {
      const sim = yield* simulator({ p500: 0, p504: 0, valueMin: 5, valueMax: 5 })
      expect(yield* attemptOn(sim.url)).toEqual(Either.right(5))
    }).pipe(Effect.scoped))
})
