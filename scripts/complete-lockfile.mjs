// The npm registry reachable from our build machines serves only some platforms' builds of a few
// native packages (rollup, msgpackr-extract). `npm install` then leaves those optional
// dependencies out of package-lock.json, and `npm ci` refuses the lockfile as out of sync. This
// adds an entry for each missing one, with the os/cpu/libc its name declares, so that `npm ci`
// skips it on other platforms and installs it (integrity looked up then) where it applies.
// Run after any `npm install` that changes the lockfile: node scripts/complete-lockfile.mjs
import { readFileSync, writeFileSync } from "node:fs"

const OS = ["android", "darwin", "freebsd", "linux", "openbsd", "openharmony", "win32", "sunos", "aix"]
const CPU = ["arm64", "arm", "x64", "ia32", "loong64", "ppc64", "riscv64", "s390x", "mips64el"]

const platformOf = (name) => {
  const parts = name.split("/").pop().split("-")
  const os = parts.find((part) => OS.includes(part))
  const cpu = parts.find((part) => CPU.includes(part))
  if (os === undefined || cpu === undefined) return undefined
  const libc = parts.some((part) => part.startsWith("musl")) ? "musl" : parts.some((part) => part.startsWith("gnu")) && os === "linux" ? "glibc" : undefined
  return { os: [os], cpu: [cpu], ...(libc ? { libc: [libc] } : {}) }
}

const file = new URL("../package-lock.json", import.meta.url)
const lock = JSON.parse(readFileSync(file, "utf8"))
let added = 0
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [name, range] of Object.entries(entry.optionalDependencies ?? {})) {
    if (lock.packages[`node_modules/${name}`] || lock.packages[`${path}/node_modules/${name}`]) continue
    const platform = platformOf(name)
    if (platform === undefined || !/^\d+\.\d+\.\d+$/.test(range)) {
      console.error(`cannot complete ${name}@${range} (needed by ${path}): add it by hand`)
      process.exitCode = 1
      continue
    }
    lock.packages[`node_modules/${name}`] = {
      version: range,
      ...platform,
      ...(entry.dev ? { dev: true } : {}),
      optional: true
    }
    added += 1
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))))
writeFileSync(file, JSON.stringify(lock, null, 2) + "\n")
console.log(`package-lock.json: added ${added} platform-specific optional entries`)
