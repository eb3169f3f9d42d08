import { readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { fc, test } from "@fast-check/vitest"
import { Effect } from "effect"
import { progressLine } from "../src/Cli/ProgressBar.js"
import { grouped } from "../src/Cli/RunOutput.js"
import { RunView } from "../src/Domain/Run.js"
import { projectRoot } from "./support/childProcess.js"
import { runCli, startCli } from "./support/cli.js"
import { countRows } from "./support/database.js"
import { getRun, request, simulator, stack, tempDatabase } from "./support/servers.js"

/** A service (with its simulator) and one 1-second run created through its API. */
const serviceWithRun = Effect.gen(function* () {
  const { base } = yield* stack()
  const created = yield* request(new URL("/runs", base), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: '{"seconds": 1}'
  })
  return { base, created }
})

describe("faulty-runs CLI", () => {
  it.live("run prints the final run that GET /runs/{id} reports; no progress bar when stderr is not a terminal", () =>
    Effect.gen(function* () {
      const { base } = yield* stack()
      const asJson = yield* runCli(["run", "--seconds", "1", "--url", base.href, "--json"])
      expect(asJson.code, asJson.stderr).toBe(0)
      const printed = asJson.stdout.trim()
      const id = /"id":"([0-9A-Z]{26})"/.exec(printed)![1]!
      const reported = yield* request(new URL(`/runs/${id}`, base))
      expect(reported.json.status).toBe("FINISHED")
      expect(printed).toBe(reported.text) // byte for byte: the same count, the same exact sum
      expect(asJson.stderr).not.toMatch(/[\r\x1b]/)
      expect(asJson.stderr).toMatch(new RegExp(`^run ${id} (PENDING|IN_PROGRESS); waiting for it to finish\\n$`))
    }).pipe(Effect.scoped))

  it.live("get and list print what the API reports; bad input fails with the reason on stderr", () =>
    Effect.gen(function* () {
      const { base, created } = yield* serviceWithRun
      const url = ["--url", base.href]
      const [got, asText, listed, zero, noSeconds] = yield* Effect.all(
        [
          runCli(["get", created.json.id, "--wait", "10", "--json", ...url]),
          runCli(["get", created.json.id, "--wait", "10", ...url]),
          runCli(["list", "--limit", "1", "--json", ...url]),
          runCli(["run", "--seconds", "0", ...url]),
          runCli(["run", ...url])
        ],
        { concurrency: 2 }
      )
      const reported = yield* request(new URL(`/runs/${created.json.id}`, base))
      expect(reported.json.status).toBe("FINISHED")
      expect(got.stdout.trim()).toBe(reported.text)
      const final = yield* getRun(base, created.json.id)
      expect(asText.stdout).toContain(`run ${created.json.id}  FINISHED\n`)
      expect(asText.stdout).toContain(`successful responses  ${final.successful_responses_count.toLocaleString("en-US")}\n`)
      expect(asText.stdout).toContain(`sum                   ${final.sum.toLocaleString("en-US")}\n`)
      expect(JSON.parse(listed.stdout).runs[0].id).toBe(created.json.id)
      // Client errors: the reason on stderr, nothing on stdout, exit 1; a bad command line: exit 2.
      expect(zero).toMatchObject({ code: 1, stdout: "", stderr: "faulty-runs: seconds must be from 1 to 86400, got 0\n" })
      expect(noSeconds.code).toBe(2)
      expect(noSeconds.stderr + noSeconds.stdout).toMatch(/--seconds/)
    }).pipe(Effect.scoped))

  it.live("get loads neither Node's internal undici (fetch, FormData) nor node:child_process", () =>
    Effect.gen(function* () {
      const { base, created } = yield* serviceWithRun
      const file = join(tmpdir(), `faulty-runs-builtins-${process.pid}-${Date.now()}.txt`)
      const got = yield* runCli(["get", created.json.id, "--url", base.href], {
        NODE_OPTIONS: `--import=${pathToFileURL(join(projectRoot, "test/support/builtinModules.mjs")).href}`,
        BUILTIN_MODULES_FILE: file
      })
      const loaded = readFileSync(file, "utf8").split("\n")
      rmSync(file, { force: true })
      expect(got.code, got.stderr).toBe(0)
      expect(loaded).toContain("NativeModule http") // the list is the real one: the client's transport is in it
      expect(loaded.filter((name) => /undici|child_process/.test(name))).toEqual([])
    }).pipe(Effect.scoped))

  it.live("serve runs the service with flags for its variables; simulator runs the upstream", () =>
    Effect.gen(function* () {
      const sim = yield* simulator()
      const databaseUrl = tempDatabase()
      const [served, upstream] = yield* Effect.all(
        [
          startCli(
            ["serve", "--port", "0", "--host", "127.0.0.1", "--database-url", databaseUrl, "--faulty-server-url", sim.url.href],
            /Listening on http:\/\/[^:]+:(\d+)/
          ),
          startCli(["simulator", "--port", "0", "--seed", "5"], /listening on (http:\/\/\S+)/)
        ],
        { concurrency: 2 }
      )
      const base = new URL(`http://127.0.0.1:${served.match[1]}`)
      expect((yield* request(new URL("/health", base))).json).toEqual({ status: "ok" })
      expect(countRows(databaseUrl)).toBe(0) // --database-url made and migrated this file
      const answer = yield* request(new URL("/", upstream.match[1]!), { headers: { "x-run-id": "cli" } })
      expect([200, 500, 504, 429]).toContain(answer.status)
      served.child.kill("SIGTERM")
      expect(yield* Effect.promise(() => served.exited)).toBe(0)
    }).pipe(Effect.scoped))

  it("the progress line shows elapsed and remaining time, successes, sum and successes per second", () => {
    const startedAt = Date.parse("2026-01-01T00:00:00Z")
    const run = new RunView({
      id: "01ARZ3NDEKTSV4RRFFQ69G5FAV" as RunView["id"],
      status: "IN_PROGRESS",
      seconds: 10,
      successful_responses_count: 1_234,
      sum: -9_007_199_254_740_993n,
      created_at: new Date(startedAt),
      started_at: new Date(startedAt),
      ends_at: new Date(startedAt + 10_000),
      finished_at: null
    })
    const line = progressLine(run, startedAt + 4_000, 120)
    expect(line).toBe(
      "[██████████░░░░░░░░░░░░░░] 4.0/10s  6.0s left  1,234 successes  sum -9,007,199,254,740,993  309/s"
    )
    expect(progressLine(run, startedAt + 4_000, 60).length).toBeLessThan(60)
    expect(progressLine({ ...run, status: "PENDING", started_at: null } as RunView, startedAt, 120)).toMatch(/PENDING/)
  })

  test.prop([fc.oneof(fc.bigInt(), fc.integer(), fc.maxSafeInteger(), fc.double())])(
    "numbers are grouped as toLocaleString('en-US') groups them",
    (value) => {
      expect(grouped(value)).toBe(value.toLocaleString("en-US"))
    }
  )
})
