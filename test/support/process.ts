import { spawn } from "node:child_process"
import { Effect } from "effect"
import { listeningUrl, type NodeProcess, projectRoot, startNodeProcess } from "./childProcess.js"

export interface ServiceProcess extends NodeProcess<URL> {
  readonly base: URL
}

/** Runs `src/main.ts` in its own Node process, as `npm start` would, and waits until it listens. */
export const spawnService = (env: Record<string, string>) =>
  Effect.acquireRelease(
    Effect.promise(() =>
      startNodeProcess({ entry: "src/main.ts", env: { PORT: "0", HOST: "127.0.0.1", ...env }, ready: listeningUrl })
    ).pipe(Effect.map((started): ServiceProcess => ({ ...started, base: started.ready }))),
    (service) => Effect.promise(() => service.kill())
  )

/** Runs `src/main.ts` to completion (for start-up failures). */
export const runServiceToExit = (env: Record<string, string>) =>
  Effect.async<{ code: number | null; stderr: string; stdout: string }>((resume) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: projectRoot,
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
