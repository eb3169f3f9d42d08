/**
 * npx tsx scripts/heap-diff.ts <before.heapsnapshot> <after.heapsnapshot> [top]
 * npx tsx scripts/heap-diff.ts <snapshot> [top]      (what one snapshot holds, largest first)
 *
 * What grew between two V8 heap snapshots (e.g. the two `npm run soak -- --heap-snapshots`
 * writes): self size and count per constructor name (per node type for the unnamed), largest
 * growth first. A rough, dependency-free reading of the snapshot format; Chrome DevTools'
 * Comparison view gives retainers.
 */
import { readFileSync } from "node:fs"

interface Snapshot {
  readonly snapshot: { readonly meta: { readonly node_fields: ReadonlyArray<string>; readonly node_types: ReadonlyArray<unknown> } }
  readonly nodes: ReadonlyArray<number>
  readonly strings: ReadonlyArray<string>
}

const totals = (file: string) => {
  const heap = JSON.parse(readFileSync(file, "utf8")) as Snapshot
  const fields = heap.snapshot.meta.node_fields
  const types = heap.snapshot.meta.node_types[0] as ReadonlyArray<string>
  const width = fields.length
  const typeAt = fields.indexOf("type")
  const nameAt = fields.indexOf("name")
  const sizeAt = fields.indexOf("self_size")
  const byName = new Map<string, { size: number; count: number }>()
  for (let i = 0; i < heap.nodes.length; i += width) {
    const type = types[heap.nodes[i + typeAt]!]!
    const name = type === "object" || type === "closure" ? `${type}:${heap.strings[heap.nodes[i + nameAt]!]}` : `(${type})`
    const entry = byName.get(name) ?? { size: 0, count: 0 }
    entry.size += heap.nodes[i + sizeAt]!
    entry.count += 1
    byName.set(name, entry)
  }
  return byName
}

const files = process.argv.slice(2).filter((arg) => arg.endsWith(".heapsnapshot"))
const topText = process.argv.slice(2).find((arg) => /^\d+$/.test(arg))
const [beforeFile, afterFile] = files.length === 1 ? [undefined, files[0]] : files
if (afterFile === undefined) {
  process.stderr.write("usage: tsx scripts/heap-diff.ts <before.heapsnapshot> <after.heapsnapshot> [top]\n")
  process.exit(2)
}
const before = beforeFile === undefined ? new Map<string, { size: number; count: number }>() : totals(beforeFile)
const after = totals(afterFile)
const rows = [...after.entries()].map(([name, now]) => {
  const then = before.get(name) ?? { size: 0, count: 0 }
  return { name, size: now.size, grew: now.size - then.size, count: now.count, added: now.count - then.count }
})
rows.sort((a, b) => b.grew - a.grew || b.size - a.size)
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(2)
const sum = (map: Map<string, { size: number }>) => [...map.values()].reduce((total, entry) => total + entry.size, 0)
process.stdout.write(`heap ${mib(sum(before))} MiB → ${mib(sum(after))} MiB\n`)
process.stdout.write("grew MiB  now MiB  count (+added)  constructor\n")
for (const row of rows.slice(0, Number(topText ?? 30))) {
  process.stdout.write(`${mib(row.grew).padStart(8)} ${mib(row.size).padStart(8)}  ${`${row.count} (+${row.added})`.padStart(16)}  ${row.name}\n`)
}
