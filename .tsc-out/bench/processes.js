/** The bench's processes: the simulator and the service, each pinned to its own core, and their HTTP. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listeningUrl, simulatorUrl, startNodeProcess } from "../test/support/childProcess.js";
export const SERVICE_CORE = "0";
export const SIMULATOR_CORE = "1";
/** CPU time (ms) a process has used, from /proc (clock ticks of 10 ms). */
export const processCpuMs = (pid) => {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
};
export const pinSelf = () => {
    try {
        execFileSync("taskset", ["-pc", SERVICE_CORE, String(process.pid)], { stdio: "ignore" });
        return true;
    }
    catch {
        return false;
    }
};
export const startSimulator = (scenario) => startNodeProcess({
    entry: "src/Simulator/main.ts",
    env: { SIM_PORT: "0", SIM_SEED: "11", SIM_LEDGER_LIMIT: "5000000", ...scenario.simulator },
    ready: simulatorUrl,
    cpus: SIMULATOR_CORE
});
export const startService = (upstream) => startNodeProcess({
    entry: "src/main.ts",
    env: {
        PORT: "0",
        HOST: "127.0.0.1",
        FAULTY_SERVER_URL: upstream.href,
        DATABASE_URL: join(mkdtempSync(join(tmpdir(), "faulty-bench-")), "runs.sqlite"),
        MAX_CONCURRENT_RUNS: "4",
        MAX_PENDING_RUNS: "16",
        UPSTREAM_CONCURRENCY: "auto",
        // for experiments: extra service settings as JSON, e.g. BENCH_SERVICE_ENV='{"UPSTREAM_CONCURRENCY":"16"}'
        ...JSON.parse(process.env["BENCH_SERVICE_ENV"] ?? "{}")
    },
    ready: listeningUrl,
    cpus: SERVICE_CORE
});
/**
 * Clears the ledger and C's schedule, once the requests abandoned by the previous case have left
 * the simulator: until their latency is over they still count against C.
 */
export const resetSimulator = async (simulator) => {
    for (let tries = 0; tries < 200; tries++) {
        const stats = (await (await fetch(new URL("/__stats", simulator))).json());
        if (stats.inFlight === 0)
            break;
        await new Promise((done) => setTimeout(done, 25));
    }
    await (await fetch(new URL("/__reset", simulator), { method: "POST" })).text();
};
export const postRun = async (service, seconds) => {
    const response = await fetch(new URL("/runs", service), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ seconds })
    });
    if (response.status !== 202)
        throw new Error(`POST /runs answered ${response.status}: ${await response.text()}`);
    return (await response.json()).id;
};
export const awaitCount = async (service, id) => {
    for (;;) {
        const run = (await (await fetch(new URL(`/runs/${id}`, service))).json());
        if (run.status === "FINISHED")
            return run.successful_responses_count;
        await new Promise((done) => setTimeout(done, 100));
    }
};
