import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { openApiText } from "../../src/Http/ApiDocs.js"
import { request, stack } from "../support/servers.js"

const committedPath = fileURLToPath(new URL("../../openapi.json", import.meta.url))
const committed = readFileSync(committedPath, "utf8")

interface LintReport {
  readonly totals: { readonly errors: number; readonly warnings: number }
  readonly problems: ReadonlyArray<{ readonly ruleId: string; readonly message: string }>
}

/** Redocly's recommended rules over a document, as its JSON report (it exits 1 when it finds errors). */
const lint = (path: string): LintReport => {
  const redocly = fileURLToPath(new URL("../../node_modules/.bin/redocly", import.meta.url))
  const env = { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" }
  try {
    return JSON.parse(execFileSync(redocly, ["lint", path, "--format=json"], { env, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }))
  } catch (error) {
    const output = (error as { readonly stdout?: string }).stdout
    if (output === undefined || output === "") throw error
    return JSON.parse(output)
  }
}

describe("API docs", () => {
  it("the committed openapi.json is the one the Api generates (run `npm run openapi` after changing the Api)", () => {
    expect(committed).toBe(openApiText())
  })

  it("Redocly's recommended rules find nothing in the committed document", () => {
    const report = lint(committedPath)
    expect(report.problems.map((problem) => `${problem.ruleId}: ${problem.message}`)).toEqual([])
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 })
  })

  it.live("GET /openapi.json serves that document, and /docs serves Swagger UI with nothing fetched from elsewhere", () =>
    Effect.gen(function* () {
      const { base } = yield* stack()
      const document = yield* request(new URL("/openapi.json", base))
      expect(document.status).toBe(200)
      expect(JSON.parse(document.text)).toEqual(JSON.parse(committed))
      expect(Object.keys(document.json.paths).sort()).toEqual([
        "/health",
        "/metrics",
        "/ready",
        "/runs",
        "/runs/{id}",
        "/runs/{id}/events",
        "/stats",
        "/stats/throughput",
        "/version"
      ])
      const docs = yield* request(new URL("/docs", base))
      expect(docs.status).toBe(200)
      expect(docs.headers.get("content-type")).toMatch(/^text\/html/)
      expect(docs.text).toMatch(/SwaggerUIBundle/)
      expect(docs.text).toMatch(/"\/runs\/\{id\}\/events"/) // the spec is embedded
      expect(docs.text).not.toMatch(/<(?:script|link)[^>]+(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i)
      const wrongMethod = yield* request(new URL("/docs", base), { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })
      expect(wrongMethod.status).toBe(405)
      expect(wrongMethod.headers.get("allow")).toBe("GET, HEAD")
    }).pipe(Effect.scoped))
})
