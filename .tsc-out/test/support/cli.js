import { spawn } from "node:child_process";
import { Effect } from "effect";
import { projectRoot, runNodeToExit } from "./childProcess.js";
const bin = "bin/faulty-runs.mjs";
/** Runs `faulty-runs <args>` (the package's bin) to completion, stdin and stderr not a terminal. */
export const runCli = (args, env = {}) => runNodeToExit([bin, ...args], env, 50_000);
/** Starts a long-running `faulty-runs <args>` and waits until its output matches `ready`. */
export const startCli = (args, ready, env = {}) => Effect.acquireRelease(Effect.async((resume) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: projectRoot, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let started = false;
    const exited = new Promise((done) => child.once("exit", (code, signal) => done(code ?? signal ?? -1)));
    const onData = (chunk) => {
        output += chunk.toString("utf8");
        const match = ready.exec(output);
        if (match && !started) {
            started = true;
            resume(Effect.succeed({ child, output: () => output, exited, match }));
        }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    void exited.then((code) => {
        if (!started)
            resume(Effect.fail(new Error(`faulty-runs ${args.join(" ")} exited with ${code}: ${output}`)));
    });
}), (cli) => Effect.promise(async () => {
    if (cli.child.exitCode === null && cli.child.signalCode === null)
        cli.child.kill("SIGKILL");
    await cli.exited;
}));
