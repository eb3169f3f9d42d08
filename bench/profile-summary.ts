/**
 * `npx tsx bench/profile-summary.ts <file.cpuprofile|file.heapprofile> [rows] [--inclusive]`: the
 * costliest functions of a profile written by bench/hot-path.ts, with bundle positions mapped back
 * to their sources (dist/bundle/*.mjs.map), then the same summed per package or source file
 * (`--callers=<text>`: the call paths that lead to the functions whose name contains the text). CPU
 * profiles count ms, heap profiles sampled bytes allocated. `--stalls=<ms>` (CPU profiles): every stretch
 * of samples without an idle one that lasted longer than that, when it began and what it spent its time in,
 * i.e. what held the event loop in the longest event-loop delays.
 */
import { existsSync, readFileSync } from "node:fs"
import { SourceMap } from "node:module"

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
  readonly columnNumber: number
}
interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
  readonly children?: ReadonlyArray<number | ProfileNode>
  readonly selfSize?: number
}

const [file, rowsArg] = process.argv.slice(2).filter((arg) => !arg.startsWith("--"))
if (file === undefined) throw new Error("usage: profile-summary.ts <profile> [rows] [--inclusive]")
const rows = Number(rowsArg ?? "40")
const inclusive = process.argv.includes("--inclusive")
/** --callers=<text>: for the functions whose name contains the text, their costliest call paths. */
const stallsOver = Number(process.argv.find((arg) => arg.startsWith("--stalls="))?.slice("--stalls=".length) ?? Number.NaN)
const callersOf = process.argv.find((arg) => arg.startsWith("--callers="))?.slice("--callers=".length)
const data = JSON.parse(readFileSync(file, "utf8")) as {
  nodes?: Array<ProfileNode>
  samples?: Array<number>
  timeDeltas?: Array<number>
  head?: ProfileNode
}

const maps = new Map<string, SourceMap | undefined>()
const mapFor = (url: string) => {
  if (!url.startsWith("file://") || !url.endsWith(".mjs")) return undefined
  if (!maps.has(url)) {
    const path = `${new URL(url).pathname}.map`
    maps.set(url, existsSync(path) ? new SourceMap(JSON.parse(readFileSync(path, "utf8"))) : undefined)
  }
  return maps.get(url)
}
const nameOf = (frame: CallFrame) => {
  let where = `${frame.url.replace(/.*\//, "")}:${frame.lineNumber + 1}`
  const entry = (frame.lineNumber >= 0 ? mapFor(frame.url)?.findEntry(frame.lineNumber, frame.columnNumber) : undefined) as
    | { readonly originalSource?: string; readonly originalLine: number }
    | undefined
  if (entry?.originalSource !== undefined) {
    const source = entry.originalSource.replace(/.*node_modules\//, "nm/").replace(/.*\/src\//, "src/")
    where = `${source}:${entry.originalLine + 1}`
  }
  return `${frame.functionName || "(anonymous)"} ${where}`
}

// Every profile as (node, its parent, its own cost).
const nodes = new Map<number, ProfileNode>()
const parents = new Map<number, number>()
const own = new Map<number, number>()
if (data.head !== undefined) {
  const walk = (node: ProfileNode) => {
    nodes.set(node.id, node)
    own.set(node.id, node.selfSize ?? 0)
    for (const child of node.children ?? []) {
      const childNode = child as ProfileNode
      parents.set(childNode.id, node.id)
      walk(childNode)
    }
  }
  walk(data.head)
} else {
  for (const node of data.nodes ?? []) {
    nodes.set(node.id, node)
    for (const child of node.children ?? []) parents.set(child as number, node.id)
  }
  data.samples!.forEach((id, index) => own.set(id, (own.get(id) ?? 0) + (data.timeDeltas![index] ?? 0) / 1000))
}

const names = new Map<number, string>()
const name = (id: number) => {
  let known = names.get(id)
  if (known === undefined) names.set(id, (known = nameOf(nodes.get(id)!.callFrame)))
  return known
}
const self = new Map<string, number>()
const total = new Map<string, number>()
let all = 0
for (const [id, cost] of own) {
  if (cost === 0) continue
  all += cost
  self.set(name(id), (self.get(name(id)) ?? 0) + cost)
  const seen = new Set<string>()
  for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
    if (seen.has(name(at))) continue
    seen.add(name(at))
    total.set(name(at), (total.get(name(at)) ?? 0) + cost)
  }
}
const unit = data.head !== undefined ? "KB" : "ms"
const scale = data.head !== undefined ? 1 / 1024 : 1
const show = (costs: Map<string, number>, title: string) => {
  console.log(`\n## ${title} (all: ${(all * scale).toFixed(0)} ${unit})`)
  for (const [key, cost] of [...costs].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
    console.log(`${(cost * scale).toFixed(1).padStart(9)} ${unit} ${((100 * cost) / all).toFixed(1).padStart(5)}%  ${key}`)
  }
}
show(self, "self")
if (inclusive) show(total, "inclusive")
const byPackage = new Map<string, number>()
for (const [key, cost] of self) {
  const where = key.split(" ").at(-1)!.replace(/:\d+$/, "").replace(/^(nm\/(@[^/]+\/)?[^/]+).*/, "$1")
  byPackage.set(where, (byPackage.get(where) ?? 0) + cost)
}
show(byPackage, "self, by package or source file")

if (callersOf !== undefined) {
  const paths = new Map<string, number>()
  for (const [id, cost] of own) {
    if (cost === 0 || !name(id).includes(callersOf)) continue
    const chain: Array<string> = []
    for (let at = parents.get(id); at !== undefined && chain.length < 8; at = parents.get(at)) {
      chain.push(name(at))
    }
    const key = `${name(id)} <- ${chain.join(" <- ")}`
    paths.set(key, (paths.get(key) ?? 0) + cost)
  }
  show(paths, `call paths to ${callersOf}`)
}

if (!Number.isNaN(stallsOver) && data.samples !== undefined) {
  const samples = data.samples
  const deltas = data.timeDeltas!
  // Effect's sources map to src/internal/… too; this project's own folders are named.
  const OUR_SOURCES = /^src\/(Http|Runs|Upstream|Store|Domain|Simulator|Client|Cli|Observability)\/|^src\/[A-Z]\w+\.ts/
  const isIdle = (id: number) => nodes.get(id)!.callFrame.functionName === "(idle)"
  const report = (from: number, to: number, startMs: number, lengthMs: number) => {
    const inStall = new Map<string, number>()
    const selfInStall = new Map<string, number>()
    for (let index = from; index < to; index++) {
      const cost = (deltas[index + 1] ?? 0) / 1000
      const id = samples[index]!
      selfInStall.set(name(id), (selfInStall.get(name(id)) ?? 0) + cost)
      const seen = new Set<string>()
      for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
        if (!seen.has(name(at))) inStall.set(name(at), (inStall.get(name(at)) ?? 0) + cost)
        seen.add(name(at))
      }
    }
    const top = (costs: Map<string, number>, count: number) =>
      [...costs].filter(([key]) => !key.startsWith("(root)")).sort((a, b) => b[1] - a[1]).slice(0, count)
        .map(([key, cost]) => `      ${cost.toFixed(1).padStart(6)} ms  ${key}`).join("\n")
    const ours = new Map([...inStall].filter(([key]) => OUR_SOURCES.test(key.split(" ").at(-1)!)))
    console.log(
      `\n  at ${(startMs / 1000).toFixed(3)} s: ${lengthMs.toFixed(1)} ms without idle\n    self:\n${top(selfInStall, 6)}` +
        `\n    inclusive, this project's code:\n${top(ours, 14)}`
    )
  }
  console.log(`\n## stretches without an idle sample longer than ${stallsOver} ms`)
  let clock = 0
  let stallFrom = -1
  let stallStart = 0
  let count = 0
  for (let index = 0; index < samples.length; index++) {
    clock += (deltas[index] ?? 0) / 1000
    if (isIdle(samples[index]!)) {
      if (stallFrom >= 0 && clock - stallStart > stallsOver) {
        report(stallFrom, index, stallStart, clock - stallStart)
        count += 1
      }
      stallFrom = -1
    } else if (stallFrom < 0) {
      stallFrom = index
      stallStart = clock
    }
  }
  console.log(`\n${count} stretches`)
}
