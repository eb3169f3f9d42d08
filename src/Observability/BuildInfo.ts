import { readFileSync } from "node:fs"
import { join, resolve } from "node:path"
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

const readText = (path: string) => {
  try {
    return readFileSync(path, "utf8").trim()
  } catch {
    return undefined
  }
}

/**
 * The checkout's HEAD, read from .git's files rather than by running git: a process spawned at
 * start-up would block the event loop (tens of ms on a busy machine) and needs git installed. A
 * worktree's .git is a file naming its git directory; branch refs live in the common directory,
 * loose or in packed-refs.
 */
const headOfCheckout = (root: string): string | undefined => {
  const dotGit = join(root, ".git")
  const pointer = readText(dotGit)
  const gitDir = pointer?.startsWith("gitdir: ") ? resolve(root, pointer.slice("gitdir: ".length)) : dotGit
  const head = readText(join(gitDir, "HEAD"))
  if (head === undefined || !head.startsWith("ref: ")) return head
  const ref = head.slice("ref: ".length)
  const commonDir = resolve(gitDir, readText(join(gitDir, "commondir")) ?? ".")
  return (
    readText(join(gitDir, ref)) ??
    readText(join(commonDir, ref)) ??
    readText(join(commonDir, "packed-refs"))
      ?.split("\n")
      .find((line) => line.endsWith(` ${ref}`))
      ?.split(" ")[0]
  )
}

/** GIT_COMMIT when the build set it (an image has no .git), else the checkout's HEAD, else unknown. */
const findGitCommit = (): string | null => {
  const fromEnv = process.env["GIT_COMMIT"]?.trim().toLowerCase()
  if (fromEnv !== undefined && COMMIT.test(fromEnv)) return fromEnv
  const head = headOfCheckout(projectRoot)?.toLowerCase()
  return head !== undefined && COMMIT.test(head) ? head : null
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
