import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"
import { Clock, Effect } from "effect"

const projectRoot = fileURLToPath(new URL("../..", import.meta.url))
const require = createRequire(import.meta.url)

export const packageJson = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  readonly name: string
  readonly version: string
}

const COMMIT = /^[0-9a-f]{7,40}$/

/** GIT_COMMIT when the build set it (an image has no .git), else the checkout's HEAD, else unknown. */
const findGitCommit = (): string | null => {
  const fromEnv = process.env["GIT_COMMIT"]?.trim().toLowerCase()
  if (fromEnv !== undefined && COMMIT.test(fromEnv)) return fromEnv
  try {
    const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: projectRoot, timeout: 2_000, stdio: ["ignore", "pipe", "ignore"] })
      .toString()
      .trim()
    return COMMIT.test(head) ? head : null
  } catch {
    return null
  }
}

let gitCommit: string | null | undefined
const knownGitCommit = () => (gitCommit === undefined ? (gitCommit = findGitCommit()) : gitCommit)

export interface BuildInfoShape {
  readonly name: string
  readonly version: string
  readonly commit: string | null
  readonly node: string
  readonly effect: string
  /** When this service instance started (epoch ms), for its uptime. */
  readonly startedAt: number
}

/** What is running: the package, its commit, the runtimes, and since when. Read once at start-up. */
export class BuildInfo extends Effect.Service<BuildInfo>()("faulty-runs/BuildInfo", {
  effect: Effect.gen(function* () {
    const info: BuildInfoShape = {
      name: packageJson.name,
      version: packageJson.version,
      commit: knownGitCommit(),
      node: process.version,
      effect: (require("effect/package.json") as { readonly version: string }).version,
      startedAt: yield* Clock.currentTimeMillis
    }
    return info
  })
}) {}
