import { setMaxListeners } from "node:events";
import { Pool } from "undici";
/**
 * A lean closed-loop client on a raw undici Pool: keeps `target(elapsed)` requests in flight for
 * `seconds`, re-sends at once after any answer, and counts the successes that arrive in time.
 * The oracle is this with target = C(t); the naive, fixed and greedy clients are fixed targets.
 */
export const closedLoop = async (options) => {
    const pool = new Pool(options.url.origin, { connections: options.maxInFlight + 2, pipelining: 1, keepAliveTimeout: 10_000 });
    const abort = new AbortController();
    setMaxListeners(0, abort.signal);
    const headers = { "x-run-id": options.runId };
    const path = options.url.pathname;
    const cpuBefore = process.cpuUsage();
    const startedAt = performance.now();
    const endsAt = startedAt + options.seconds * 1000;
    let inFlight = 0;
    let successes = 0;
    let attempts = 0;
    let sum = 0n;
    await new Promise((finished) => {
        const fire = () => {
            inFlight += 1;
            attempts += 1;
            pool.request({ path, method: "GET", headers, signal: abort.signal }).then(async ({ statusCode, body }) => {
                const text = await body.text();
                if (statusCode === 200 && performance.now() < endsAt) {
                    const value = JSON.parse(text).value;
                    successes += 1;
                    sum += BigInt(value);
                }
                settle();
            }, () => settle());
        };
        const settle = () => {
            inFlight -= 1;
            pump();
        };
        const pump = () => {
            const now = performance.now();
            if (now >= endsAt)
                return;
            const target = options.target(now - startedAt);
            while (inFlight < target)
                fire();
        };
        pump();
        // A target can rise while every request is in flight: look again every millisecond.
        const ticker = setInterval(pump, 1);
        setTimeout(() => {
            clearInterval(ticker);
            abort.abort();
            finished();
        }, options.seconds * 1000);
    });
    const cpu = process.cpuUsage(cpuBefore);
    await pool.destroy();
    return { successes, sum, attempts, cpuMs: (cpu.user + cpu.system) / 1000 };
};
