import { connect } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { type ServiceProcess, spawnService } from "./support/process.js"
import { createRun, request, simulator, tempDatabase } from "./support/servers.js"
import { readSse } from "./support/sse.js"

/** The service in its own process with a 60 s run, a long poll and an event stream waiting on it. */
const serviceWithWaiters = Effect.gen(function* () {
  const sim = yield* simulator({ concurrencyLimit: 0 })
  const service = yield* spawnService({ DATABASE_URL: tempDatabase(), FAULTY_SERVER_URL: sim.url.href })
  const run = yield* createRun(service.base, 60)
  const poll = yield* Effect.fork(request(new URL(`/runs/${run.id}?wait=30`, service.base)))
  const events = yield* Effect.fork(readSse(new URL(`/runs/${run.id}/events`, service.base)))
  return { service, run, poll, events }
})

/** SIGTERM after a second of waiting: the exit code and how long the process took to exit. */
const terminate = (service: ServiceProcess) =>
  Effect.gen(function* () {
    yield* Effect.sleep("1 second")
    const sentAt = Date.now()
    service.child.kill("SIGTERM")
    const code = yield* Effect.promise(() => service.exited)
    return { code, exitedAfter: Date.now() - sentAt }
  })

describe("shutdown with requests waiting on runs", () => {
  it.live("SIGTERM answers a long poll and ends an event stream at once, and the process exits 0", () =>
    Effect.gen(function* () {
      const { service, poll, events } = yield* serviceWithWaiters
      const { code, exitedAfter } = yield* terminate(service)
      expect(code).toBe(0)
      expect(exitedAfter).toBeLessThan(5_000) // not the 30 s of the long poll, nor the 60 s run
      const answered = yield* Fiber.join(poll)
      expect(answered.status).toBe(200)
      expect(answered.json.status).toBe("IN_PROGRESS")
      expect(answered.json.successful_responses_count).toBeGreaterThan(0)
      const streamed = yield* Fiber.join(events)
      expect(streamed.ended).toBe(true)
      expect(streamed.events.at(-1)!.data.status).toBe("IN_PROGRESS")
    }).pipe(Effect.scoped))
})

describe("shutdown with clients that hold connections open", () => {
  it.live("SIGTERM exits 0 within 5 s whatever clients hold open: partial headers, a hung body, an idle connection, a long poll, a stream", () =>
    Effect.gen(function* () {
      const { service, poll, events } = yield* serviceWithWaiters
      const sockets = [
        "GET /health HTTP/1.1\r\nHost: test\r\n", // headers never finished
        "POST /runs HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"sec", // a body that never comes
        "POST /runs HTTP/1.1\r\nHost: test\r\nContent-Type: application/merge-patch+json\r\nContent-Length: 13\r\n\r\n{\"seconds\":1}", // answered, kept alive
        "GET /health HTTP/1.1\r\nHost: test\r\n\r\n" // answered, then idle
      ].map((bytes) => {
        const socket = connect(Number(service.base.port), service.base.hostname, () => socket.write(bytes))
        socket.on("error", () => {})
        return socket
      })
      yield* Effect.addFinalizer(() => Effect.sync(() => sockets.forEach((socket) => socket.destroy())))
      const { code, exitedAfter } = yield* terminate(service)
      expect(code).toBe(0)
      expect(exitedAfter).toBeLessThan(5_000)
      expect(service.stderr()).not.toMatch(/shutdown took longer/)
      expect((yield* Fiber.join(poll)).status).toBe(200)
      expect((yield* Fiber.join(events)).ended).toBe(true)
    }).pipe(Effect.scoped))
})
