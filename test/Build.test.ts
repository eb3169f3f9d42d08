import { spawn } from "node:child_process"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { runCli } from "./support/cli.js"
import { type ExitResult, projectRoot } from "./support/childProcess.js"
import { spawnService } from "./support/process.js"
import { awaitFinished, createRun, request, simulator, tempDatabase } from "./support/servers.js"


const runScript = (args: ReadonlyArray<string>) =>
  Effect.async<ExitResult>((resume) => {
    const child = spawn(process.execPath, [...args], { cwd: projectRoot, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.once("exit", (code) => resume(Effect.succeed({ code, stdout, stderr })))
  })

const ANSI = /\x1b\[/

describe("the build (dist/)", () => {
  it.live("is current: npm start's prestart check finds nothing to rebuild", () =>
    Effect.gen(function* () {
      const check = yield* runScript(["scripts/build.mjs", "--if-stale"])
      expect(check).toEqual({ code: 0, stdout: "", stderr: "" })
    }))

  it.live("the built service serves the API, the dashboard with uPlot, the docs and the OpenAPI document", () =>
    Effect.gen(function* () {
      const sim = yield* simulator({ concurrencyLimit: 0 })
      const service = yield* spawnService({ DATABASE_URL: tempDatabase(), FAULTY_SERVER_URL: sim.url.href })
      const at = (path: string) => request(new URL(path, service.base))
      expect((yield* at("/health")).json).toEqual({ status: "ok" })
      const page = yield* at("/")
      expect(page.status).toBe(200)
      expect(page.text).toMatch(/<html/i)
      const uplot = yield* at("/dashboard/uPlot.iife.min.js")
      expect(uplot.status).toBe(200)
      expect(uplot.text).toMatch(/uPlot/)
      for (const asset of ["/dashboard/app.js", "/dashboard/app.css", "/dashboard/uPlot.min.css"]) {
        expect((yield* at(asset)).status, asset).toBe(200)
      }
      const docs = yield* at("/docs")
      expect(docs.status).toBe(200)
      expect(docs.text).toMatch(/swagger/i)
      const openapi = yield* at("/openapi.json")
      expect(openapi.status).toBe(200)
      expect(openapi.json.paths["/runs"]).toBeDefined()
      const run = yield* createRun(service.base, 1)
      const finished = yield* awaitFinished(service.base, run.id)
      expect(finished.successful_responses_count).toBeGreaterThan(0)
    }).pipe(Effect.scoped))

  it.live("the built service with no FAULTY_SERVER_URL starts and uses the bundled simulator", () =>
    Effect.gen(function* () {
      const service = yield* spawnService({ DATABASE_URL: ":memory:" })
      const run = yield* createRun(service.base, 1)
      const finished = yield* awaitFinished(service.base, run.id)
      expect(finished.successful_responses_count).toBeGreaterThan(0)
    }).pipe(Effect.scoped))

  it.live("the built CLI: plain help off a terminal and under NO_COLOR, exit codes 0, 1 and 2", () =>
    Effect.gen(function* () {
      const [help, noColor, usage, unreachable] = yield* Effect.all(
        [
          runCli(["--help"]),
          runCli(["get", "--help"], { NO_COLOR: "1" }),
          runCli(["get"]),
          runCli(["get", "01ARZ3NDEKTSV4RRFFQ69G5FAV", "--url", "http://127.0.0.1:9"])
        ],
        { concurrency: 2 }
      )
      expect(help.code).toBe(0)
      expect(help.stdout).toMatch(/^faulty-runs\n\nfaulty-runs \d+\.\d+\.\d+\n\nUSAGE\n/)
      expect(help.stdout).toMatch(/COMMANDS/)
      expect(help.stdout + help.stderr).not.toMatch(ANSI)
      expect(noColor.code).toBe(0)
      expect(noColor.stdout).toMatch(/--wait/)
      expect(noColor.stdout + noColor.stderr).not.toMatch(ANSI)
      expect(usage.code).toBe(2)
      expect(usage.stdout + usage.stderr).not.toMatch(ANSI)
      expect(usage.stdout + usage.stderr).toMatch(/id/)
      expect(unreachable).toMatchObject({ code: 1, stdout: "" })
      expect(unreachable.stderr).toMatch(/^faulty-runs: cannot reach http:\/\/127\.0\.0\.1:9\//)
    }))
})
