import { connect, createServer, type AddressInfo, type Server } from "node:net"
import Database from "better-sqlite3"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { fetchLedger, matchLedger } from "./support/ledger.js"
import { expectRefusedConfigurations, runServiceToExit, spawnService } from "./support/process.js"
import { awaitFinished, createRun, getRun, request, simulator, tempDatabase } from "./support/servers.js"

interface Row {
  readonly status: string
  readonly successful_responses_count: number
  readonly sum: string
  readonly ends_at: number | null
}

const readRow = (file: string, id: string): Row => {
  const db = new Database(file, { readonly: true })
  try {
    return db.prepare("SELECT status, successful_responses_count, sum, ends_at FROM runs WHERE id = ?").get(id) as Row
  } finally {
    db.close()
  }
}

const stop = (service: { child: { kill: (signal: NodeJS.Signals) => boolean }; exited: Promise<number | string> }, signal: NodeJS.Signals) =>
  Effect.promise(async () => {
    const sentAt = Date.now()
    service.child.kill(signal)
    const code = await service.exited
    return { code, sentAt, exitedAt: Date.now() }
  })

describe("restarts", () => {
  it.live("finished runs read the same and queued runs keep their order across a restart", () =>
    Effect.gen(function* () {
      const sim = yield* simulator({ concurrencyLimit: 0 })
      const databaseUrl = tempDatabase()
      const env = { DATABASE_URL: databaseUrl, FAULTY_SERVER_URL: sim.url.href, MAX_CONCURRENT_RUNS: "1", UPSTREAM_CONCURRENCY: "2" }
      const first = yield* spawnService(env)
      const finished = yield* awaitFinished(first.base, (yield* createRun(first.base, 1)).id)
      const finishedText = (yield* request(new URL(`/runs/${finished.id}`, first.base))).text
      const long = yield* createRun(first.base, 8)
      const queued = yield* Effect.forEach([1, 1], () => createRun(first.base, 1))
      yield* Effect.sleep("500 millis")
      const { code } = yield* stop(first, "SIGTERM")
      expect(code).toBe(0)
      const longBefore = readRow(databaseUrl, long.id)
      expect(longBefore.status).toBe("IN_PROGRESS")
      expect(queued.map((run) => readRow(databaseUrl, run.id).status)).toEqual(["PENDING", "PENDING"])

      const second = yield* spawnService(env)
      expect((yield* request(new URL(`/runs/${finished.id}`, second.base))).text).toBe(finishedText)
      const resumed = yield* getRun(second.base, long.id)
      expect(resumed.status).toBe("IN_PROGRESS")
      const [longDone, q1, q2] = yield* Effect.all([
        awaitFinished(second.base, long.id),
        awaitFinished(second.base, queued[0]!.id),
        awaitFinished(second.base, queued[1]!.id)
      ])
      expect(Date.parse(longDone.ends_at!)).toBe(longBefore.ends_at) // the original end, not a new one
      expect(Date.parse(longDone.finished_at!) - longBefore.ends_at!).toBeLessThan(1_000)
      expect(Date.parse(q1.started_at!)).toBeGreaterThanOrEqual(Date.parse(longDone.ends_at!))
      expect(Date.parse(q2.started_at!)).toBeGreaterThanOrEqual(Date.parse(q1.ends_at!))
      expect(q1.successful_responses_count).toBeGreaterThan(0)
    }).pipe(Effect.scoped))

  it.live("SIGTERM mid-run exits 0 and loses no count; the run resumes from it after a restart", () =>
    Effect.gen(function* () {
      const sim = yield* simulator({ concurrencyLimit: 0, latencyMs: 50, jitterMs: 10, p500: 0.1, p504: 0 })
      const databaseUrl = tempDatabase()
      const env = { DATABASE_URL: databaseUrl, FAULTY_SERVER_URL: sim.url.href, UPSTREAM_CONCURRENCY: "2" }
      const first = yield* spawnService(env)
      const run = yield* createRun(first.base, 60)
      yield* Effect.sleep("1500 millis")
      const { code, sentAt, exitedAt } = yield* stop(first, "SIGTERM")
      expect(code).toBe(0)
      expect(exitedAt - sentAt).toBeLessThan(5_000)
      const saved = readRow(databaseUrl, run.id)
      expect(saved.status).toBe("IN_PROGRESS")
      const ledger = yield* fetchLedger(sim.url, run.id)
      const match = matchLedger(
        ledger!,
        { count: saved.successful_responses_count, sum: BigInt(saved.sum), cutoff: exitedAt },
        exitedAt - sentAt + 30
      )
      expect(match.reason).toBe("matched")
      expect(saved.successful_responses_count).toBeGreaterThan(20)

      const second = yield* spawnService(env)
      yield* Effect.sleep("700 millis")
      const resumed = yield* getRun(second.base, run.id)
      expect(resumed.status).toBe("IN_PROGRESS")
      expect(resumed.successful_responses_count).toBeGreaterThan(saved.successful_responses_count)
      expect(resumed.ends_at).toBe(new Date(saved.ends_at!).toISOString())
    }).pipe(Effect.scoped))

  it.live("SIGINT is a graceful stop too: exit 0 with the run's counters saved", () =>
    Effect.gen(function* () {
      const sim = yield* simulator({ concurrencyLimit: 0 })
      const databaseUrl = tempDatabase()
      const service = yield* spawnService({ DATABASE_URL: databaseUrl, FAULTY_SERVER_URL: sim.url.href })
      const run = yield* createRun(service.base, 30)
      yield* Effect.sleep("1000 millis")
      const { code } = yield* stop(service, "SIGINT")
      expect(code).toBe(0)
      const saved = readRow(databaseUrl, run.id)
      expect(saved.status).toBe("IN_PROGRESS")
      expect(saved.successful_responses_count).toBeGreaterThan(0)
      expect(service.logs.some((log) => log["message"] === "run interrupted, counters saved")).toBe(true)
    }).pipe(Effect.scoped))

  it.live("kill -9 mid-run loses at most the last second, and the run is FINISHED after the restart", () =>
    Effect.gen(function* () {
      const sim = yield* simulator({ concurrencyLimit: 0, latencyMs: 30, jitterMs: 10 })
      const databaseUrl = tempDatabase()
      const env = { DATABASE_URL: databaseUrl, FAULTY_SERVER_URL: sim.url.href, UPSTREAM_CONCURRENCY: "3" }
      const first = yield* spawnService(env)
      const run = yield* createRun(first.base, 3)
      yield* Effect.sleep("1800 millis")
      const { sentAt } = yield* stop(first, "SIGKILL")
      const saved = readRow(databaseUrl, run.id)
      expect(saved.status).toBe("IN_PROGRESS")
      const ledger = yield* fetchLedger(sim.url, run.id)
      const successes = ledger!.entries.filter((entry) => entry.status === 200 && !entry.aborted)
      const beforeLastSecond = successes.filter((entry) => entry.answeredAt < sentAt - 1_000).length
      expect(saved.successful_responses_count).toBeGreaterThanOrEqual(beforeLastSecond)
      expect(saved.successful_responses_count).toBeLessThanOrEqual(successes.length)
      expect(beforeLastSecond).toBeGreaterThan(10)

      yield* Effect.sleep(Math.max(0, saved.ends_at! - Date.now()) + 100)
      const second = yield* spawnService(env)
      const after = yield* getRun(second.base, run.id)
      expect(after.status).toBe("FINISHED")
      expect(after.successful_responses_count).toBe(saved.successful_responses_count)
      expect(after.sum).toBe(BigInt(saved.sum))
      expect(after.finished_at).toBe(after.ends_at)
    }).pipe(Effect.scoped))

  it.live("kill -9 and an immediate restart resume the run to its original end", () =>
    Effect.gen(function* () {
      const sim = yield* simulator({ concurrencyLimit: 0 })
      const databaseUrl = tempDatabase()
      const env = { DATABASE_URL: databaseUrl, FAULTY_SERVER_URL: sim.url.href, UPSTREAM_CONCURRENCY: "2" }
      const first = yield* spawnService(env)
      const run = yield* createRun(first.base, 4)
      yield* Effect.sleep("1000 millis")
      yield* stop(first, "SIGKILL")
      const second = yield* spawnService(env)
      const done = yield* awaitFinished(second.base, run.id)
      const endsAt = Date.parse(done.ends_at!)
      expect(endsAt - Date.parse(done.started_at!)).toBe(4_000)
      expect(Date.parse(done.finished_at!) - endsAt).toBeLessThan(1_000)
      expect(done.successful_responses_count).toBeGreaterThan(0)
    }).pipe(Effect.scoped))
})

describe("start-up configuration", () => {
  it.live("an invalid variable stops the service with one line naming it", () =>
    Effect.gen(function* () {
      const cases: Array<[Record<string, string>, RegExp]> = [
        [{ PORT: "http" }, /^faulty-runs: invalid configuration: PORT must be a whole number from 0 to 65535, got "http"$/],
        [{ MAX_CONCURRENT_RUNS: "0" }, /MAX_CONCURRENT_RUNS must be a whole number from 1/],
        [{ MAX_PENDING_RUNS: "-1" }, /MAX_PENDING_RUNS must be a whole number from 0/],
        [{ FAULTY_SERVER_URL: "ftp://x" }, /FAULTY_SERVER_URL must be an http/],
        [{ UPSTREAM_TIMEOUT_MS: "soon" }, /UPSTREAM_TIMEOUT_MS must be a whole number/]
      ]
      yield* expectRefusedConfigurations(cases)
    }))

  it.live("a database that never answers: no connection is accepted meanwhile, and the service exits 1 with one line naming it", () =>
    Effect.gen(function* () {
      // Accepts connections and says nothing, as a stuck PostgreSQL would.
      const silent = yield* listening(createServer(() => {}))
      const free = yield* listening(createServer())
      const port = (free.address() as AddressInfo).port
      yield* Effect.promise(() => new Promise((resolve) => free.close(resolve)))
      const outcomes = new Set<string>()
      let exited = false
      const probing = Effect.promise(async () => {
        while (!exited) {
          outcomes.add(await probeHealth(port))
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
      })
      const [result] = yield* Effect.all(
        [
          runServiceToExit({ DATABASE_URL: `postgres://postgres@127.0.0.1:${(silent.address() as AddressInfo).port}/test`, PORT: String(port) }).pipe(
            Effect.ensuring(Effect.sync(() => (exited = true)))
          ),
          probing
        ],
        { concurrency: 2 }
      )
      expect(result.code).toBe(1)
      expect(result.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^faulty-runs: cannot start: the database \(DATABASE_URL\) did not answer: /)])
      expect(outcomes.has("refused")).toBe(true)
      expect([...outcomes].filter((outcome) => outcome !== "refused")).toEqual([])
      silent.close()
    }))

  it.live("a port already taken stops the service with exit 1 and one line saying so", () =>
    Effect.gen(function* () {
      const taken = yield* listening(createServer())
      const result = yield* runServiceToExit({ DATABASE_URL: ":memory:", PORT: String((taken.address() as AddressInfo).port) })
      taken.close()
      expect(result.code).toBe(1)
      expect(result.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^faulty-runs: cannot start: cannot listen on HOST:PORT: listen EADDRINUSE/)])
    }))
})

const listening = (server: Server) =>
  Effect.promise(() => new Promise<Server>((resolve) => server.listen(0, "127.0.0.1", () => resolve(server))))

/** One GET /health on a new connection: "refused", "answered", or "accepted, then closed unanswered". */
const probeHealth = (port: number) =>
  new Promise<string>((resolve) => {
    const socket = connect(port, "127.0.0.1")
    let answered = false
    socket.once("connect", () => socket.write("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
    socket.on("data", () => (answered = true))
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED" ? "refused" : `error ${error.code}`))
    socket.once("close", () => resolve(answered ? "answered" : "accepted, then closed unanswered"))
  })
