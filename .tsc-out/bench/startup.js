/**
 * `npm run bench:startup` (and the startup section of `npm run bench`): how long the built service takes
 * from spawn to its first `/health` 200, with the bundled simulator and with FAULTY_SERVER_URL set, and how
 * long `faulty-runs --help` and `faulty-runs get <id>` take, each the median of several runs and a ratio
 * to `node -e 0` measured in the same run (what Node alone costs on this machine right now).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
// @ts-expect-error: a plain ES module of the build, without types
import { build, staleReason } from "../scripts/build.mjs";
const root = fileURLToPath(new URL("..", import.meta.url));
const SERVICE_TARGET_MS = 1_000;
const CLI_TARGET_MS = 400;
const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const freePort = () => new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
        const address = server.address();
        server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
});
const getStatus = (url) => new Promise((resolve) => {
    const req = request(url, { agent: false }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", () => resolve({ status: 0, body: "" }));
    req.end();
});
const exited = (child) => new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)));
const spawnNode = (args, env = {}) => spawn(process.execPath, [...args], { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
/** Wall time of `node <args>` from spawn to exit; fails on a non-zero exit. */
const timeToExit = async (args) => {
    const started = performance.now();
    const child = spawnNode(args);
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdout.resume();
    const code = await exited(child);
    const elapsed = performance.now() - started;
    if (code !== 0)
        throw new Error(`node ${args.join(" ")} exited with ${code}: ${stderr}`);
    return elapsed;
};
/** Spawns `node dist/main.mjs` on a free port and polls `/health` until it answers 200. */
const startService = async (env) => {
    const port = await freePort();
    const directory = mkdtempSync(join(tmpdir(), "faulty-runs-startup-"));
    const base = `http://127.0.0.1:${port}`;
    const started = performance.now();
    const child = spawnNode(["dist/main.mjs"], {
        PORT: String(port),
        HOST: "127.0.0.1",
        DATABASE_URL: join(directory, "runs.sqlite"),
        ...env
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdout.resume();
    const stop = async () => {
        if (child.exitCode === null && child.signalCode === null)
            child.kill("SIGKILL");
        await exited(child).catch(() => undefined);
        rmSync(directory, { recursive: true, force: true });
    };
    for (;;) {
        if (child.exitCode !== null)
            throw new Error(`the service exited with ${child.exitCode}: ${stderr}`);
        if ((await getStatus(`${base}/health`)).status === 200)
            return { base, readyMs: performance.now() - started, stop };
        await new Promise((resolve) => setTimeout(resolve, 5));
    }
};
const startSimulator = async () => {
    const port = await freePort();
    const child = spawnNode(["dist/simulator.mjs"], { SIM_PORT: String(port), SIM_HOST: "127.0.0.1" });
    child.stdout.resume();
    child.stderr.resume();
    const url = `http://127.0.0.1:${port}`;
    for (let tries = 0; (await getStatus(`${url}/`)).status === 0; tries++) {
        if (tries > 2_000 || child.exitCode !== null)
            throw new Error("the simulator did not start");
        await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return { url, stop: () => (child.kill("SIGKILL"), exited(child)) };
};
/** Measures every start-up figure `samples` times, interleaved so that load changes touch all alike. */
export const measureStartup = async (samples = 7) => {
    const reason = staleReason();
    if (reason !== undefined) {
        process.stderr.write(`building dist/ first (${reason})\n`);
        await build();
    }
    const loadBefore = loadavg();
    const simulator = await startSimulator();
    const target = await startService({ FAULTY_SERVER_URL: simulator.url });
    const created = JSON.parse(await new Promise((resolve, reject) => {
        const req = request(`${target.base}/runs`, { method: "POST", headers: { "content-type": "application/json" } }, (res) => {
            let body = "";
            res.on("data", (chunk) => (body += chunk));
            res.on("end", () => resolve(body));
        });
        req.on("error", reject);
        req.end('{"seconds": 1}');
    }));
    const samplesOf = {
        node: [],
        bundled: [],
        upstream: [],
        help: [],
        get: []
    };
    try {
        // One unmeasured round first: the page cache and any compile cache start warm, as on a second start.
        for (let round = 0; round <= samples; round++) {
            const measured = round > 0;
            const node = await timeToExit(["-e", "0"]);
            const bundled = await startService({});
            await bundled.stop();
            const upstream = await startService({ FAULTY_SERVER_URL: simulator.url });
            await upstream.stop();
            const help = await timeToExit(["bin/faulty-runs.mjs", "--help"]);
            const get = await timeToExit(["bin/faulty-runs.mjs", "get", created.id, "--url", target.base]);
            if (!measured)
                continue;
            samplesOf["node"].push(node);
            samplesOf["bundled"].push(bundled.readyMs);
            samplesOf["upstream"].push(upstream.readyMs);
            samplesOf["help"].push(help);
            samplesOf["get"].push(get);
        }
    }
    finally {
        await target.stop();
        await simulator.stop();
    }
    const figure = (key, name, targetMs) => ({
        name,
        medianMs: median(samplesOf[key]),
        samplesMs: samplesOf[key],
        targetMs
    });
    return {
        figures: [
            figure("bundled", "service: spawn → first /health 200, bundled simulator", SERVICE_TARGET_MS),
            figure("upstream", "service: spawn → first /health 200, FAULTY_SERVER_URL set", SERVICE_TARGET_MS),
            figure("help", "faulty-runs --help", CLI_TARGET_MS),
            figure("get", "faulty-runs get <id>", CLI_TARGET_MS)
        ],
        nodeMs: median(samplesOf["node"]),
        loadBefore,
        loadAfter: loadavg()
    };
};
const load = (values) => values.map((value) => value.toFixed(2)).join(" ");
/** The report's lines: one per figure with its median, its ratio to `node -e 0` and its target. */
export const formatStartup = (report) => [
    `startup (${report.figures[0].samplesMs.length} runs each, medians; Node ${process.version}; load average ${load(report.loadBefore)} before, ${load(report.loadAfter)} after)`,
    `  node -e 0                                                  ${report.nodeMs.toFixed(0).padStart(5)} ms`,
    ...report.figures.map((figure) => {
        const met = figure.targetMs === undefined ? "" : figure.medianMs <= figure.targetMs ? "met   " : "MISSED";
        const target = figure.targetMs === undefined ? "" : `  target ≤ ${figure.targetMs} ms ${met}`;
        return `  ${figure.name.padEnd(58)} ${figure.medianMs.toFixed(0).padStart(5)} ms  ×${(figure.medianMs / report.nodeMs).toFixed(1).padEnd(5)}${target}  (${figure.samplesMs.map((ms) => ms.toFixed(0)).join(" ")})`;
    })
];
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
    const samples = Number(process.argv.find((arg) => arg.startsWith("--runs="))?.split("=")[1] ?? "7");
    for (const line of formatStartup(await measureStartup(samples)))
        console.log(line);
}
