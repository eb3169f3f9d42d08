import * as esbuild from "esbuild"
const r = await esbuild.build({ absWorkingDir: "/work/wt11", entryPoints: [process.argv[2]], bundle: true, format: "esm", platform: "node", write: false, metafile: true, external: ["better-sqlite3","pg-native"], outdir: "/tmp/x", logLevel: "error" })
const target = process.argv[3]
// reverse edges, static only
const importers = new Map()
for (const [f, v] of Object.entries(r.metafile.inputs)) for (const i of v.imports) if (i.kind !== "dynamic-import") { if (!importers.has(i.path)) importers.set(i.path, []); importers.get(i.path).push(f) }
let cur = Object.keys(r.metafile.inputs).find(f => f.includes(target)); const chain = [cur]
const seen = new Set()
while (cur && importers.get(cur)) { const n = importers.get(cur).find(x => !seen.has(x)); if (!n) break; seen.add(n); chain.push(n); cur = n; if (n === process.argv[2]) break }
console.log(chain.join("\n <- "))
