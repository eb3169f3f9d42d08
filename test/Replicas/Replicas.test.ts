import { expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { fetchLedger } from "../support/ledger.js"
import { describeWithPostgres } from "../support/postgres.js"
import { eventually, replicaSet } from "../support/replicas.js"
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
    "a burst over three replicas admits exactly MAX_CONCURRENT_RUNS + MAX_PENDING_RUNS, FIFO across replicas, never more than MAX_CONCURRENT_RUNS active; a long poll on another replica wakes; SIGTERM hands runs over at once",
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

        // SIGTERM: the replica hands its runs back and another carries on well before a lease would lapse.
        const long = yield* Effect.flatMap(postRun(replicas[0]!.base, { seconds: 8 }), (answer) => Effect.succeed(answer.json.id as string))
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
})
