import { expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { fetchLedger, matchLedger } from "../support/ledger.js"
import { describeWithPostgres, postgresBase } from "../support/postgres.js"
import { eventually, replicaSet, sourceChanges } from "../support/replicas.js"
import { tcpProxy } from "../support/tcpProxy.js"
import { awaitFinished, getRun, postRun, request, simulator } from "../support/servers.js"

const C = 2
const P = 3
const LEASE_MS = 3_000
const baseEnv = {
  MAX_CONCURRENT_RUNS: String(C),
  MAX_PENDING_RUNS: String(P),
  UPSTREAM_CONCURRENCY: "4",
  LEASE_MS: String(LEASE_MS),
  CHECKPOINT_INTERVAL_MS: "500"
}

const takeoversOf = (run: object) => (run as { readonly takeovers?: number }).takeovers ?? 0

/** The most runs whose upstream requests overlap in time, from the simulator's ledger. */
const mostActiveAtOnce = (windows: ReadonlyArray<{ readonly first: number; readonly last: number }>) => {
  const edges = windows.flatMap((window) => [
    { at: window.first, delta: 1 },
    { at: window.last, delta: -1 }
  ])
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta)
  let active = 0
  let most = 0
  for (const edge of edges) most = Math.max(most, (active += edge.delta))
  return most
}

describeWithPostgres("several replicas on one PostgreSQL", () => {
  it.scopedLive(
    "a burst over three replicas admits exactly MAX_CONCURRENT_RUNS + MAX_PENDING_RUNS, FIFO across replicas, never more than MAX_CONCURRENT_RUNS active; a long poll on another replica wakes; one run per Idempotency-Key; SIGTERM hands runs over at once",
    () =>
      Effect.gen(function* () {
        const sim = yield* simulator({ concurrencyLimit: 0 })
        const { replicas, rows, row, byName } = yield* replicaSet({ count: 3, simulatorUrl: sim.url, env: baseEnv })

        // Runs long enough that none ends during the burst, even on a busy machine.
        const burstStartedAt = Date.now()
        const answers = yield* Effect.forEach(
          Array.from({ length: 12 }, (_, index) => replicas[index % replicas.length]!),
          (replica) => postRun(replica.base, { seconds: 6 }),
          { concurrency: "unbounded" }
        )
        const burstEndedAt = Date.now()
        const admitted = answers.filter((answer) => answer.status === 202)
        const refused = answers.filter((answer) => answer.status === 429)
        expect(admitted.length).toBe(C + P)
        expect(refused.length).toBe(12 - C - P)
        for (const answer of refused) expect(Number(answer.headers.get("retry-after"))).toBeGreaterThanOrEqual(1)

        // A long poll on a replica that does not execute the last run answers when it finishes elsewhere.
        const last = (yield* rows()).at(-1)!
        const started = yield* eventually("the last run starts", row(last.id), (current) => current.owner !== null, 30_000)
        const watcher = replicas.find((replica) => replica.name !== started.owner)!
        const polled = yield* request(new URL(`/runs/${last.id}?wait=20`, watcher.base))
        const answeredAt = Date.now()
        expect(polled.json.status).toBe("FINISHED")
        const finished = yield* row(last.id)
        expect(answeredAt - finished.finished_at!).toBeLessThan(1_500)

        const all = yield* rows()
        expect(all.every((run) => run.status === "FINISHED")).toBe(true)
        // The count above is exact only if no run ended (freeing room) before the burst was over.
        expect(Math.min(...all.map((run) => run.finished_at!))).toBeGreaterThan(burstEndedAt)
        process.stdout.write(`burst of 12 POSTs over 3 replicas: ${burstEndedAt - burstStartedAt} ms\n`)
        // FIFO: runs start in their admission order, whichever replica admitted or executes them.
        const starts = all.map((run) => run.started_at!)
        expect(starts).toEqual([...starts].sort((a, b) => a - b))
        expect(new Set(all.map((run) => run.owner ?? "")).size).toBeGreaterThanOrEqual(1)
        const windows = yield* Effect.forEach(all, (run) =>
          Effect.map(fetchLedger(sim.url, run.id), (ledger) => {
            const received = ledger!.entries.map((entry) => entry.receivedAt)
            return { first: Math.min(...received), last: Math.max(...received) }
          })
        )
        expect(mostActiveAtOnce(windows)).toBeLessThanOrEqual(C)
        for (const run of all) expect(run.takeovers).toBe(0)

        // One Idempotency-Key sent to every replica at once makes one run.
        const keyed = yield* Effect.forEach(
          replicas,
          (replica) =>
            request(new URL("/runs", replica.base), {
              method: "POST",
              headers: { "content-type": "application/json", "idempotency-key": "replicas-one-run" },
              body: JSON.stringify({ seconds: 8 })
            }),
          { concurrency: "unbounded" }
        )
        expect(keyed.map((answer) => answer.status)).toEqual([202, 202, 202])
        expect(new Set(keyed.map((answer) => answer.json.id)).size).toBe(1)
        expect((yield* rows()).length).toBe(all.length + 1)

        // SIGTERM: the replica hands its runs back and another carries on well before a lease would lapse.
        const long = keyed[0]!.json.id as string
        const held = yield* eventually("the long run starts", row(long), (current) => current.owner !== null, 20_000)
        yield* Effect.sleep("1 second")
        const owner = byName(held.owner!)
        const signalledAt = Date.now()
        owner.child.kill("SIGTERM")
        const moved = yield* eventually("the long run moves", row(long), (current) => current.owner !== null && current.owner !== owner.name, 10_000, 20)
        const movedAfterMs = Date.now() - signalledAt
        expect(yield* Effect.promise(() => owner.exited)).toBe(0)
        expect(movedAfterMs).toBeLessThan(LEASE_MS / 2)
        expect(moved.epoch).toBe(held.epoch + 1)
        const survivor = byName(moved.owner!)
        const done = yield* awaitFinished(survivor.base, long, 30_000)
        expect(Date.parse(done.ends_at!)).toBe(held.ends_at)
        expect((yield* getRun(survivor.base, long)).successful_responses_count).toBeGreaterThan(0)
        process.stdout.write(`take-over after SIGTERM: ${movedAfterMs} ms\n`)
      }),
    180_000
  )

  it.scopedLive(
    "kill -9 and a paused replica: their runs resume on another within lease + 1 s, to their original end, from their last checkpoint, never on two replicas at once",
    () =>
      Effect.gen(function* () {
        const sim = yield* simulator({ concurrencyLimit: 0 })
        const { replicas, row, byName, sources } = yield* replicaSet({ count: 3, simulatorUrl: sim.url, env: baseEnv })
        const [killed, paused] = yield* Effect.forEach([10, 16], (seconds) =>
          Effect.map(postRun(replicas[0]!.base, { seconds }), (answer) => answer.json.id as string)
        )
        const held = yield* Effect.forEach([killed!, paused!], (id) =>
          eventually("the run starts", row(id), (current) => current.owner !== null, 20_000)
        )
        yield* Effect.sleep("2 seconds")

        // kill -9 the replica executing the first run.
        const victim = byName(held[0]!.owner!)
        const killedAt = Date.now()
        yield* Effect.promise(() => victim.kill("SIGKILL"))
        const checkpointAtKill = (yield* row(killed!)).successful_responses_count
        const resumed = yield* eventually("the killed replica's run resumes", row(killed!), (current) => current.epoch > held[0]!.epoch, 15_000, 20)
        const killTakeOverMs = Date.now() - killedAt
        expect(resumed.owner).not.toBe(victim.name)
        expect(killTakeOverMs).toBeLessThan(LEASE_MS + 1_000)

        // SIGSTOP the replica executing the second run. If the killed replica held it too, pause its
        // new owner once it has moved (its lease may lapse a moment after the first run's).
        const second = held[1]!.owner === victim.name
          ? yield* eventually("the killed replica's other run resumes", row(paused!), (current) => current.epoch > held[1]!.epoch, 15_000, 20)
          : yield* row(paused!)
        expect(second.owner).not.toBe(victim.name)
        const sleeper = byName(second.owner!)
        const pausedEpoch = second.epoch
        sleeper.child.kill("SIGSTOP")
        const pausedAt = Date.now()
        const checkpointAtPause = (yield* row(paused!)).successful_responses_count
        const carried = yield* eventually("the paused replica's run moves", row(paused!), (current) => current.epoch > pausedEpoch, 15_000, 20)
        const pauseTakeOverMs = Date.now() - pausedAt
        expect(pauseTakeOverMs).toBeLessThan(LEASE_MS + 1_000)
        yield* Effect.sleep("1 second")
        const continuedAt = Date.now()
        sleeper.child.kill("SIGCONT")

        const watcher = replicas.find((replica) => replica !== victim && replica !== sleeper) ?? byName(carried.owner!)
        const [first, other] = yield* Effect.forEach([killed!, paused!], (id) => awaitFinished(watcher.base, id, 30_000))
        const originals = [held[0]!, second]
        for (const [index, done] of [first!, other!].entries()) {
          expect(Date.parse(done.ends_at!)).toBe(originals[index]!.ends_at)
          expect(Date.parse(done.finished_at!) - originals[index]!.ends_at!).toBeLessThan(1_000)
          expect(takeoversOf(done)).toBeGreaterThanOrEqual(1)
        }
        expect(first!.successful_responses_count).toBeGreaterThanOrEqual(checkpointAtKill)
        expect(other!.successful_responses_count).toBeGreaterThanOrEqual(checkpointAtPause)
        // The resumed replica stopped that run for good: it logged so, and wrote nothing after.
        const noticeFrom = Date.now()
        yield* eventually(
          "the paused replica notices its lost lease",
          Effect.sync(() =>
            sleeper.logs.some((log) => /^run (stopped here|not finished here)/.test(String(log["message"])) && (log["annotations"] as { runId?: string })?.runId === paused)
          ),
          (seen) => seen,
          // Resumed after its lease moved on, the replica may first retry its fenced save (storeRetry,
          // up to 10 s against connections the server closed while it was stopped) before it logs.
          30_000
        ).pipe(
          Effect.catchAllDefect((defect) =>
            Effect.die(`${String(defect)}; its log: ${sleeper.logs.map((log) => String(log["message"])).join(" | ")} ${sleeper.stderr()}`)
          )
        )
        const noticeAt = Date.now()
        // Requests the paused replica had handed to its HTTP client before SIGSTOP may reach the
        // simulator only after SIGCONT, when the run has moved on. Those few, its last in flight, are
        // the only ones it may still send: nothing decided after its lease lapsed.
        const stragglers = sources.filter((source) => source.runId === paused && source.replica === sleeper.name && source.at >= continuedAt)
        expect(stragglers.length).toBeLessThanOrEqual(Number(baseEnv.UPSTREAM_CONCURRENCY))
        for (const straggler of stragglers) expect(straggler.at - continuedAt).toBeLessThan(1_000)
        const decidedInTime = sources.filter((source) => !stragglers.includes(source))
        for (const [id, done] of [[killed!, first!], [paused!, other!]] as const) {
          const changed = sourceChanges(decidedInTime, id)
          expect(changed.replicas.length).toBeGreaterThanOrEqual(1)
          expect(changed.changes).toBeLessThanOrEqual(takeoversOf(done))
        }
        process.stdout.write(`take-over after kill -9: ${killTakeOverMs} ms; after SIGSTOP: ${pauseTakeOverMs} ms (lease ${LEASE_MS} ms)\n`)
        process.stdout.write(`the resumed replica logged its lost lease ${noticeAt - noticeFrom} ms after both runs finished\n`)
      }),
    180_000
  )

  it.scopedLive(
    "PostgreSQL cut off mid-run and back: 503 for what needs it, /ready says why, the run keeps counting and saves again; nothing lost, nothing double, no crash",
    () =>
      Effect.gen(function* () {
        const sim = yield* simulator({ concurrencyLimit: 0 })
        const database = new URL(postgresBase)
        const proxy = yield* tcpProxy({ host: database.hostname, port: Number(database.port || 5432) })
        const { replicas, row } = yield* replicaSet({
          count: 1,
          simulatorUrl: sim.url,
          env: { ...baseEnv, LEASE_MS: "6000" },
          databaseUrlFor: (_, url) => {
            const through = new URL(url)
            through.host = `127.0.0.1:${proxy.port}`
            return through.toString()
          }
        })
        const replica = replicas[0]!
        const id = (yield* postRun(replica.base, { seconds: 8 })).json.id as string
        yield* eventually("the run starts", row(id), (current) => current.owner !== null, 20_000)
        yield* Effect.sleep("1500 millis")

        proxy.cut()
        yield* Effect.sleep("300 millis")
        const duringCut = {
          create: (yield* postRun(replica.base, { seconds: 1 })).status,
          list: (yield* request(new URL("/runs", replica.base))).status,
          ready: yield* request(new URL("/ready", replica.base)),
          live: yield* request(new URL(`/runs/${id}`, replica.base))
        }
        yield* Effect.sleep("1500 millis")
        proxy.restore()

        expect(duringCut.create).toBe(503)
        expect(duringCut.list).toBe(503)
        expect(duringCut.ready.status).toBe(503)
        expect(duringCut.ready.text).toContain("database")
        expect(duringCut.live.status).toBe(200)
        expect(duringCut.live.json.status).toBe("IN_PROGRESS")

        const done = yield* awaitFinished(replica.base, id, 30_000)
        expect(replica.child.exitCode).toBeNull()
        expect(takeoversOf(done)).toBe(0)
        expect(done.successful_responses_count).toBeGreaterThanOrEqual(duringCut.live.json.successful_responses_count)
        const saved = yield* row(id)
        const ledger = yield* fetchLedger(sim.url, id)
        const match = matchLedger(ledger!, { count: saved.successful_responses_count, sum: BigInt(saved.sum), cutoff: saved.ends_at! })
        expect(match.reason).toBe("matched")
        expect((yield* request(new URL("/ready", replica.base))).status).toBe(200)
      }),
    120_000
  )
})
