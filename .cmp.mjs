import { spawn } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
const sim = process.argv[2]
const untilListening = (entry) => new Promise((resolve, reject) => {
  const t0 = performance.now()
  const child = spawn(process.execPath, [entry], { env: { ...process.env, PORT: "0", HOST: "127.0.0.1", DATABASE_URL: join(mkdtempSync(join(tmpdir(), "cmp-")), "r.sqlite"), ...(sim ? { FAULTY_SERVER_URL: sim } : {}) }, stdio: ["ignore", "pipe", "pipe"] })
  child.stdout.on("data", (d) => { if (/Listening on/.test(String(d))) { const ms = performance.now() - t0; child.kill("SIGKILL"); resolve(ms) } })
  child.once("exit", () => reject(new Error("exit")))
})
const untilExit = (args) => new Promise((resolve) => { const t0 = performance.now(); const c = spawn(process.execPath, args, { stdio: "ignore" }); c.once("exit", () => resolve(performance.now() - t0)) })
const rows = { node: [], tscService: [], bundleService: [], tscHelp: [], bundleHelp: [] }
for (let i = 0; i < 6; i++) {
  rows.node.push(await untilExit(["-e", "0"]))
  rows.tscService.push(await untilListening(".tsc-out/src/main.js"))
  rows.bundleService.push(await untilListening("dist/main.mjs"))
  rows.tscHelp.push(await untilExit([".tsc-out/src/cli.js", "--help"]))
  rows.bundleHelp.push(await untilExit(["dist/cli.mjs", "--help"]))
}
const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]
for (const [k, v] of Object.entries(rows)) console.log(k.padEnd(14), med(v).toFixed(0), "ms", "×" + (med(v) / med(rows.node)).toFixed(1))
