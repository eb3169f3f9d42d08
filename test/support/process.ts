import { expect } from "@effect/vitest"
import { Effect } from "effect"
import { listeningUrl, type NodeProcess, runNodeToExit, startNodeProcess } from "./childProcess.js"

export interface ServiceProcess extends NodeProcess<URL> {
  readonly base: URL
}

/** Runs the built service (dist/main.mjs) in its own Node process, as `npm start` does, and waits until it listens. */
export const spawnService = (env: Record<string, string>, nodeOptions: ReadonlyArray<string> = []) =>
  Effect.acquireRelease(
    Effect.promise(() =>
      startNodeProcess({ entry: "dist/main.mjs", env: { PORT: "0", HOST: "127.0.0.1", ...env }, ready: listeningUrl, nodeOptions })
    ).pipe(Effect.map((started): ServiceProcess => ({ ...started, base: started.ready }))),
    (service) => Effect.promise(() => service.kill())
  )

/** Runs the built service to completion (for start-up failures). */
export const runServiceToExit = (env: Record<string, string>) =>
  runNodeToExit(["dist/main.mjs"], { PORT: "0", HOST: "127.0.0.1", ...env }, 20_000)

/** Each configuration must stop the built service at start-up: exit code 2 and one line on stderr that matches. */
export const expectRefusedConfigurations = (cases: ReadonlyArray<readonly [Record<string, string>, RegExp]>) =>
  Effect.forEach(
    cases,
    ([env, line]) =>
      Effect.map(runServiceToExit({ DATABASE_URL: ":memory:", ...env }), (result) => {
        expect(result.code).toBe(2)
        const lines = result.stderr.trim().split("\n")
        expect(lines).toHaveLength(1)
        expect(lines[0]).toMatch(line)
      }),
    { discard: true }
  )
