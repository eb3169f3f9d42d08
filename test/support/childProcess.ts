import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"

export const projectRoot = fileURLToPath(new URL("../..", import.meta.url))

export interface NodeProcess<A> {
  readonly child: ChildProcess
  readonly ready: A
  readonly logs: Array<Record<string, unknown>>
  readonly stderr: () => string
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  readonly exited: Promise<number | string>
  readonly kill: (signal?: NodeJS.Signals) => Promise<number | string>
}

const hasTaskset = (() => {
  try {
    execFileSync("taskset", ["-c", "0", "true"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
})()

/**
 * Starts an entry point of this project in its own Node process (optionally pinned to CPU cores
 * with taskset) and resolves once one of its JSON log lines says it is ready. A TypeScript entry
 * runs through tsx; a built one (dist/*.mjs) with plain node.
 */
export const startNodeProcess = <A>(options: {
  readonly entry: string
  readonly env: Record<string, string>
  readonly ready: (log: Record<string, unknown>) => A | undefined
  readonly cpus?: string
  readonly nodeOptions?: ReadonlyArray<string>
}): Promise<NodeProcess<A>> =>
  new Promise((resolve, reject) => {
    const nodeArgs = [...(options.nodeOptions ?? []), ...(options.entry.endsWith(".ts") ? ["--import", "tsx"] : []), options.entry]
    const [command, args] =
      options.cpus !== undefined && hasTaskset
        ? ["taskset", ["-c", options.cpus, process.execPath, ...nodeArgs]]
        : [process.execPath, nodeArgs]
    const child = spawn(command, args, {
      cwd: projectRoot,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    const logs: Array<Record<string, unknown>> = []
    let stderr = ""
    let pending = ""
    let started = false
    const exited = new Promise<number | string>((done) => child.once("exit", (code, signal) => done(code ?? signal ?? -1)))
    const kill = (signal: NodeJS.Signals = "SIGKILL") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    }
    child.stderr!.on("data", (chunk) => (stderr += chunk))
    child.stdout!.on("data", (chunk) => {
      pending += chunk
      const lines = pending.split("\n")
      pending = lines.pop() ?? ""
      for (const line of lines) {
        if (line.trim() === "") continue
        let log: Record<string, unknown>
        try {
          log = JSON.parse(line) as Record<string, unknown>
        } catch {
          continue
        }
        logs.push(log)
        const ready = started ? undefined : options.ready(log)
        if (ready !== undefined) {
          started = true
          resolve({ child, ready, logs, stderr: () => stderr, exited, kill })
        }
      }
    })
    void exited.then((code) => {
      if (!started) reject(new Error(`${options.entry} exited with ${code} before it was ready: ${stderr}`))
    })
  })

/** The service's "Listening on http://host:port" line. */
export const listeningUrl = (log: Record<string, unknown>): URL | undefined => {
  const match = /^Listening on http:\/\/[^:]+:(\d+)/.exec(String(log["message"]))
  return match ? new URL(`http://127.0.0.1:${match[1]}`) : undefined
}

/** The simulator's "simulator listening" line. */
export const simulatorUrl = (log: Record<string, unknown>): URL | undefined => {
  const annotations = log["annotations"] as { url?: string } | undefined
  return log["message"] === "simulator listening" && annotations?.url ? new URL(annotations.url) : undefined
}

export interface ExitResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs `node <args>` in the project to completion (killed after `timeoutMs`), stdio not a terminal. */
export const runNodeToExit = (args: ReadonlyArray<string>, env: Record<string, string>, timeoutMs: number) =>
  Effect.async<ExitResult>((resume) => {
    const child = spawn(process.execPath, [...args], {
      cwd: projectRoot,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    child.once("exit", (code) => {
      clearTimeout(timer)
      resume(Effect.succeed({ code, stdout, stderr }))
    })
  })
