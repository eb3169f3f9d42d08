import { Effect } from "effect";
import { listeningUrl, runNodeToExit, startNodeProcess } from "./childProcess.js";
/** Runs `src/main.ts` in its own Node process, as `npm start` would, and waits until it listens. */
export const spawnService = (env) => Effect.acquireRelease(Effect.promise(() => startNodeProcess({ entry: "src/main.ts", env: { PORT: "0", HOST: "127.0.0.1", ...env }, ready: listeningUrl })).pipe(Effect.map((started) => ({ ...started, base: started.ready }))), (service) => Effect.promise(() => service.kill()));
/** Runs `src/main.ts` to completion (for start-up failures). */
export const runServiceToExit = (env) => runNodeToExit(["--import", "tsx", "src/main.ts"], { PORT: "0", HOST: "127.0.0.1", ...env }, 20_000);
