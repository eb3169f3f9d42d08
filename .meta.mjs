import * as esbuild from "esbuild"
const r = await esbuild.build({ absWorkingDir: "/work/wt11", entryPoints: [process.argv[2]], bundle: true, format: "esm", platform: "node", write: false, metafile: true, minify: true, external: ["better-sqlite3","pg-native"], outdir: "/tmp/x", splitting: true, logLevel: "error" })
const out = Object.entries(r.metafile.outputs)
const entry = out.find(([k, v]) => v.entryPoint === process.argv[2])
const seen = new Set(); const stack = [entry[0]]; const by = new Map()
while (stack.length) { const k = stack.pop(); if (seen.has(k)) continue; seen.add(k); const o = r.metafile.outputs[k]; for (const i of o.imports) if (i.kind === "import-statement" && !i.external) stack.push(i.path); for (const [f, v] of Object.entries(o.inputs)) { const m = f.match(/node_modules\/((@[^/]+\/)?[^/]+)/); const key = process.argv[3] && f.includes(process.argv[3]) ? f : m ? m[1] : f.split("/").slice(0,2).join("/"); by.set(key, (by.get(key) ?? 0) + v.bytesInOutput) } }
console.log([...by].sort((a,b)=>b[1]-a[1]).slice(0,15).map(([k,v])=>`${(v/1024).toFixed(0)}K ${k}`).join("\n"))
