import { execFileSync, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Effect } from "effect";
export const projectRoot = fileURLToPath(new URL("../..", import.meta.url));
const hasTaskset = (() => {
    try {
        execFileSync("taskset", ["-c", "0", "true"], { stdio: "ignore" });
        return true;
    }
    catch {
        return false;
    }
})();
/**
 * Starts a TypeScript entry point of this project in its own Node process (optionally pinned to
 * CPU cores with taskset) and resolves once one of its JSON log lines says it is ready.
 */
export const startNodeProcess = (options) => new Promise((resolve, reject) => {
    const nodeArgs = ["--import", "tsx", options.entry];
    const [command, args] = options.cpus !== undefined && hasTaskset
        ? ["taskset", ["-c", options.cpus, process.execPath, ...nodeArgs]]
        : [process.execPath, nodeArgs];
    const child = spawn(command, args, {
        cwd: projectRoot,
        env: { ...process.env, ...options.env },
        stdio: ["ignore", "pipe", "pipe"]
    });
    const logs = [];
    let stderr = "";
    let pending = "";
    let started = false;
    const exited = new Promise((done) => child.once("exit", (code, signal) => done(code ?? signal ?? -1)));
    const kill = (signal = "SIGKILL") => {
        if (child.exitCode === null && child.signalCode === null)
            child.kill(signal);
        return exited;
    };
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdout.on("data", (chunk) => {
        pending += chunk;
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) {
            if (line.trim() === "")
                continue;
            let log;
            try {
                log = JSON.parse(line);
            }
            catch {
                continue;
            }
            logs.push(log);
            const ready = started ? undefined : options.ready(log);
            if (ready !== undefined) {
                started = true;
                resolve({ child, ready, logs, stderr: () => stderr, exited, kill });
            }
        }
    });
    void exited.then((code) => {
        if (!started)
            reject(new Error(`${options.entry} exited with ${code} before it was ready: ${stderr}`));
    });
});
/** The service's "Listening on http://host:port" line. */
export const listeningUrl = (log) => {
    const match = /^Listening on http:\/\/[^:]+:(\d+)/.exec(String(log["message"]));
    return match ? new URL(`http://127.0.0.1:${match[1]}`) : undefined;
};
/** The simulator's "simulator listening" line. */
export const simulatorUrl = (log) => {
    const annotations = log["annotations"];
    return log["message"] === "simulator listening" && annotations?.url ? new URL(annotations.url) : undefined;
};
/** Runs `node <args>` in the project to completion (killed after `timeoutMs`), stdio not a terminal. */
export const runNodeToExit = (args, env, timeoutMs) => Effect.async((resume) => {
    const child = spawn(process.execPath, [...args], {
        cwd: projectRoot,
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "pipe"]
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("exit", (code) => {
        clearTimeout(timer);
        resume(Effect.succeed({ code, stdout, stderr }));
    });
});
