import { describe, expect, it } from "@effect/vitest";
import { Effect } from "effect";
import { fetchLedger } from "../support/ledger.js";
import { histogramOf, parseExposition } from "../support/prometheus.js";
import { awaitFinished, createRun, postRun, request, stack } from "../support/servers.js";
const scrape = (base) => Effect.map(request(new URL("/metrics", base)), (answer) => {
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    return parseExposition(answer.text);
});
const ANSWERED = ["200", "500", "504", "429"];
// Answers written this long before their run's end were read by the service, even on a busy machine.
const SURELY_READ_MS = 1_000;
/** What the simulator's ledgers say about these runs' requests, by status. */
const ledgerTotals = (ledgers, runs) => {
    const answered = {};
    const surelyRead = {};
    let abandonedByClient = 0;
    let requests = 0;
    ledgers.forEach((ledger, index) => {
        expect(ledger.truncated).toBe(false);
        const endsAt = Date.parse(runs[index].ends_at);
        requests += ledger.requests;
        for (const entry of ledger.entries) {
            if (entry.aborted) {
                abandonedByClient += 1;
                continue;
            }
            answered[entry.status] = (answered[entry.status] ?? 0) + 1;
            if (entry.answeredAt < endsAt - SURELY_READ_MS)
                surelyRead[entry.status] = (surelyRead[entry.status] ?? 0) + 1;
        }
    });
    return { answered, surelyRead, abandonedByClient, requests };
};
describe("GET /metrics", () => {
    it.live("parses as exposition format, and its counters reconcile with the runs and with the simulator's ledger", () => Effect.gen(function* () {
        const permits = 6;
        const { base, simulatorUrl } = yield* stack({ upstreamConcurrency: permits, maxConcurrentRuns: 2, maxPendingRuns: 0 }, { concurrencyLimit: 4, p500: 0.2, p504: 0.1, seed: 11 });
        const before = yield* scrape(base);
        expect(before.value("faulty_runs_upstream_successes_total")).toBe(0);
        const created = yield* Effect.all([createRun(base, 3), createRun(base, 2)]);
        const refused = yield* postRun(base, { seconds: 1 });
        expect(refused.status).toBe(429);
        const runs = yield* Effect.forEach(created, (run) => awaitFinished(base, run.id));
        expect((yield* request(new URL("/runs/01ARZ3NDEKTSV4RRFFQ69G5FAV", base))).status).toBe(404);
        expect((yield* request(new URL("/nowhere", base))).status).toBe(404);
        const metrics = yield* scrape(base);
        const attempts = (outcome) => metrics.value("faulty_runs_upstream_attempts_total", { outcome });
        // The runs' lifecycle.
        expect(metrics.value("faulty_runs_runs_created_total")).toBe(2);
        expect(metrics.value("faulty_runs_runs_refused_total")).toBe(1);
        expect(metrics.value("faulty_runs_runs_started_total")).toBe(2);
        expect(metrics.value("faulty_runs_runs_finished_total")).toBe(2);
        expect(metrics.value("faulty_runs_runs_pending")).toBe(0);
        expect(metrics.value("faulty_runs_runs_in_progress")).toBe(0);
        // Successes: exactly what the runs counted.
        const counted = runs.reduce((sum, run) => sum + run.successful_responses_count, 0);
        expect(counted).toBeGreaterThan(0);
        expect(metrics.value("faulty_runs_upstream_successes_total")).toBe(counted);
        const late = metrics.value("faulty_runs_upstream_late_responses_total");
        // A 200 read by the service is counted, dropped as late, or cut off by the window's end in between.
        const cutOff = attempts("200") - counted - late;
        expect(cutOff).toBeGreaterThanOrEqual(0);
        expect(cutOff).toBeLessThanOrEqual(permits * runs.length);
        // Attempts against the simulator's ledgers of these two runs.
        const ledgers = yield* Effect.forEach(runs, (run) => Effect.map(fetchLedger(simulatorUrl, run.id), (ledger) => ledger));
        const ledger = ledgerTotals(ledgers, runs);
        for (const status of ANSWERED) {
            expect(ledger.answered[status] ?? 0).toBeGreaterThan(0);
            // Never more answers of a status than the simulator gave, and at least all those given well before the end.
            expect(attempts(status)).toBeLessThanOrEqual(ledger.answered[status] ?? 0);
            expect(attempts(status)).toBeGreaterThanOrEqual(ledger.surelyRead[status] ?? 0);
        }
        for (const outcome of ["status", "malformed", "defect"])
            expect(attempts(outcome)).toBe(0);
        // Attempts that ended without an answer read (abandoned at a window's end, or failed in transport)
        // account for every answer the service did not read and every request the simulator saw it leave.
        const unread = attempts("abandoned") + attempts("timeout") + attempts("transport");
        const notRead = ANSWERED.reduce((sum, status) => sum + (ledger.answered[status] ?? 0) - attempts(status), 0);
        expect(notRead + ledger.abandonedByClient).toBeLessThanOrEqual(unread);
        expect(attempts("abandoned")).toBeLessThanOrEqual(permits * runs.length);
        const allAttempts = metrics.total("faulty_runs_upstream_attempts_total");
        expect(ledger.requests).toBeLessThanOrEqual(allAttempts);
        expect(ledger.requests).toBeGreaterThanOrEqual(allAttempts - unread);
        // Every answered attempt has a latency; the simulator's latency is 10-30 ms (504s 0-40 ms).
        const latency = histogramOf(metrics, "faulty_runs_upstream_latency_seconds");
        expect(latency.count).toBe(ANSWERED.reduce((sum, status) => sum + attempts(status), 0));
        expect(latency.sum / latency.count).toBeGreaterThan(0.001);
        expect(latency.buckets["0.005"]).toBeLessThan(latency.count);
        // The upstream gauges after the runs: nothing in flight, the fixed limit in force.
        expect(metrics.value("faulty_runs_upstream_in_flight")).toBe(0);
        expect(metrics.value("faulty_runs_upstream_concurrency_limit")).toBe(permits);
        // HTTP requests by route template and status, never by raw path.
        const http = (method, route, status) => metrics.value("faulty_runs_http_requests_total", { method, route, status });
        expect(http("POST", "/runs", "202")).toBe(2);
        expect(http("POST", "/runs", "429")).toBe(1);
        expect(http("GET", "/runs/:id", "404")).toBe(1);
        expect(http("GET", "/runs/:id", "200")).toBeGreaterThanOrEqual(2);
        expect(http("GET", "unmatched", "404")).toBe(1);
        expect(http("GET", "/metrics", "200")).toBe(1); // the first scrape; this one is counted after it answers
        // Bounded label values: no run id, no raw path.
        const labelValues = metrics.labelValues();
        for (const run of runs)
            expect(labelValues).not.toContain(run.id);
        expect(labelValues.some((value) => value.includes("01ARZ3NDEKTSV4RRFFQ69G5FAV"))).toBe(false);
        expect(labelValues).not.toContain("/nowhere");
        // The build and the process are described too.
        expect(metrics.family("faulty_runs_build_info").metrics[0]?.labels?.["version"]).toBe("0.1.0");
        expect(metrics.value("process_cpu_seconds_total")).toBeGreaterThan(0);
    }).pipe(Effect.scoped));
    it.live("gauges show the runs executing and waiting, and the requests in flight", () => Effect.gen(function* () {
        const { base } = yield* stack({ upstreamConcurrency: 3, maxConcurrentRuns: 1, maxPendingRuns: 2 }, { concurrencyLimit: 0 });
        const first = yield* createRun(base, 20);
        yield* createRun(base, 1);
        let metrics = yield* scrape(base);
        for (let tries = 0; tries < 100 && metrics.value("faulty_runs_runs_in_progress") === 0; tries++) {
            yield* Effect.sleep("100 millis");
            metrics = yield* scrape(base);
        }
        expect(metrics.value("faulty_runs_runs_in_progress")).toBe(1);
        expect(metrics.value("faulty_runs_runs_pending")).toBe(1);
        expect(metrics.value("faulty_runs_runs_started_total")).toBe(1);
        const inFlight = metrics.value("faulty_runs_upstream_in_flight");
        expect(inFlight).toBeGreaterThanOrEqual(0);
        expect(inFlight).toBeLessThanOrEqual(3);
        expect(metrics.value("faulty_runs_upstream_concurrency_permits")).toBe(3);
        expect(metrics.labelValues()).not.toContain(first.id);
    }).pipe(Effect.scoped));
});
