/**
 * `npx tsx bench/http-allocation.ts [path] [requests] [--survivors]`: what one HTTP request costs the
 * built service in allocation. Starts dist/main.mjs under the inspector, creates a 1 s run and waits
 * for it to finish, then samples every allocation (collected ones included) over `requests` requests
 * of `path` (`/runs/{id}` by default; `{id}` is the run's id) and writes the heap profile, which
 * bench/profile-summary.ts breaks down. Prints the bytes allocated per request. With `--survivors`
 * it leaves out what the young-generation GC collected: what is left was promoted to the old
 * generation (or is still live), the garbage that grows the heap between major GCs.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Agent, request } from "undici"
import { connectInspector, inspectorUrl } from "./inspector.js"

const [pathArg, requestsArg] = process.argv.slice(2).filter((arg) => !arg.startsWith("--"))
const survivorsOnly = process.argv.includes("--survivors")
const requests = Number(requestsArg ?? 5_000)
const work = mkdtempSync(join(tmpdir(), "faulty-runs-http-allocation-"))
const child = spawn(process.execPath, ["--inspect=127.0.0.1:0", "dist/main.mjs"], {
  env: { ...process.env, PORT: "0", HOST: "127.0.0.1", DATABASE_URL: join(work, "runs.sqlite") },
  stdio: ["ignore", "pipe", "pipe"]
})
let stderr = ""
child.stderr!.on("data", (chunk) => (stderr += chunk))
const base = await new Promise<string>((resolve, reject) => {
  let out = ""
  child.stdout!.on("data", (chunk) => {
    out += chunk
    const match = /Listening on http:\/\/[^:]+:(\d+)/.exec(out)
    if (match) resolve(`http://127.0.0.1:${match[1]}`)
  })
  child.once("exit", (code) => reject(new Error(`the service exited with ${code}: ${stderr}`)))
})
child.stdout!.resume()
const inspector = await connectInspector(inspectorUrl(stderr)!)
const agent = new Agent({ connections: 4 })
const call = async (path: string, init: { method?: "GET" | "POST"; body?: string } = {}) => {
  const answer = await request(base + path, {
    dispatcher: agent,
    method: init.method ?? "GET",
    ...(init.body === undefined ? {} : { body: init.body, headers: { "content-type": "application/json" } })
  })
  return { status: answer.statusCode, text: await answer.body.text() }
}
const created = JSON.parse((await call("/runs", { method: "POST", body: '{"seconds":1}' })).text) as { id: string }
await call(`/runs/${created.id}?wait=5`)
const path = (pathArg ?? "/runs/{id}").replace("{id}", created.id)
for (let i = 0; i < 500; i++) await call(path) // warm

await inspector.send("HeapProfiler.enable")
await inspector.send("HeapProfiler.collectGarbage")
await inspector.send("HeapProfiler.startSampling", {
  samplingInterval: 4096,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: !survivorsOnly
})
for (let i = 0; i < requests; i += 4) await Promise.all([call(path), call(path), call(path), call(path)])
const { profile } = await inspector.send<{ profile: { head: unknown; samples: ReadonlyArray<{ size: number }> } }>("HeapProfiler.stopSampling")
const total = profile.samples.reduce((sum, sample) => sum + sample.size, 0)
const file = join(work, survivorsOnly ? "http-survivors.heapprofile" : "http.heapprofile")
writeFileSync(file, JSON.stringify(profile))
const what = survivorsOnly ? "that outlived the young generation" : "allocated"
process.stdout.write(`${path}: ${(total / requests / 1024).toFixed(1)} KB ${what} per request (${requests} requests); profile ${file}\n`)
inspector.close()
child.kill("SIGTERM")
await new Promise((resolve) => child.once("exit", resolve))
await agent.close()
