import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"

const root = fileURLToPath(new URL("../..", import.meta.url))

export interface ServiceProcess {
  readonly base: URL
  readonly child: ChildProcess
  readonly logs: Array<Record<string, unknown>>
  readonly stderr: () => string
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  readonly exited: Promise<number | string>
}

/** Runs `src/main.ts` in its own Node process, as `npm start` would, and waits until it listens. */
export const spawnService = (env: Record<string, string>) =>
  Effect.acquireRelease(
    Effect.async<ServiceProcess, Error>((resume) => {
      const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
        cwd: root,
        env: { ...process.env, PORT: "0", HOST: "127.0.0.1", ...env },
        stdio: ["ignore", "pipe", "pipe"]
      })
      const logs: Array<Record<string, unknown>> = []
      let stderr = ""
      let pending = ""
      let listening = false
      const exited = new Promise<number | string>((done) => child.once("exit", (code, signal) => done(code ?? signal ?? -1)))
      child.stderr!.on("data", (chunk) => (stderr += chunk))
      child.stdout!.on("data", (chunk) => {
        pending += chunk
        const lines = pending.split("\n")
        pending = lines.pop() ?? ""
        for (const line of lines) {
          if (line.trim() === "") continue
          try {
            const log = JSON.parse(line) as Record<string, unknown>
            logs.push(log)
            const match = /^Listening on http:\/\/[^:]+:(\d+)/.exec(String(log["message"]))
            if (match && !listening) {
              listening = true
              resume(Effect.succeed({ base: new URL(`http://127.0.0.1:${match[1]}`), child, logs, stderr: () => stderr, exited }))
            }
          } catch {
            // not a log line
          }
        }
      })
      void exited.then((code) => {
        if (!listening) resume(Effect.fail(new Error(`service exited with ${code} before listening: ${stderr}`)))
      })
    }),
    (service) =>
      Effect.promise(async () => {
        if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill("SIGKILL")
        await service.exited
      })
  )

/** Runs `src/main.ts` to completion (for start-up failures). */
export const runServiceToExit = (env: Record<string, string>) =>
  Effect.async<{ code: number | null; stderr: string; stdout: string }>((resume) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: root,
      env: { ...process.env, PORT: "0", HOST: "127.0.0.1", ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000)
    child.once("exit", (code) => {
      clearTimeout(timer)
      resume(Effect.succeed({ code, stderr, stdout }))
    })
  })
