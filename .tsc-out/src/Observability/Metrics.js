import { Cause, Effect, Option } from "effect";
import { collectDefaultMetrics, Counter, Gauge, Registry } from "prom-client";
import { BuildInfo } from "./BuildInfo.js";
import { HotPathHistogram } from "./HotPathHistogram.js";
/**
 * How an upstream attempt ended: the AttemptFailed outcomes, "200" for a value, "abandoned" for
 * one still in flight when its run's window closed (or the service stopped).
 */
export const ATTEMPT_OUTCOMES = [
    "200",
    "500",
    "504",
    "429",
    "status",
    "malformed",
    "timeout",
    "transport",
    "abandoned",
    "defect"
];
const outcomeIndex = Object.fromEntries(ATTEMPT_OUTCOMES.map((outcome, index) => [outcome, index]));
/** Outcomes in which the upstream sent an HTTP answer: they have a latency and prove it reachable. */
const answered = {
    "200": true,
    "500": true,
    "504": true,
    "429": true,
    status: true,
    malformed: true,
    timeout: false,
    transport: false,
    abandoned: false,
    defect: false
};
export const LATENCY_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const failureOutcome = (cause) => {
    switch (cause._tag) {
        case "Fail":
            return cause.error.outcome;
        case "Interrupt":
            return "abandoned";
        case "Die":
        case "Empty":
            return "defect";
        default: {
            // A composite cause is rare (an attempt interrupted while it failed): its failure decides.
            const failure = Cause.failureOption(cause);
            if (Option.isSome(failure))
                return failure.value.outcome;
            return Cause.isInterrupted(cause) ? "abandoned" : "defect";
        }
    }
};
// Process metrics (CPU, memory, event loop lag, GC) belong to the process, not to a service
// instance: registered once, however many instances a test process builds.
let processRegistry;
const processMetrics = () => {
    if (processRegistry === undefined) {
        processRegistry = new Registry();
        collectDefaultMetrics({ register: processRegistry });
    }
    return processRegistry;
};
export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;
/**
 * The service's Prometheus metrics, one registry per service instance. What is bumped for every
 * upstream attempt or success is kept in plain numbers and handed to prom-client when it is
 * scraped (a labelled prom-client `inc` hashes its labels on every call, about 120 ns), and the
 * latency histogram is a HotPathHistogram: the hot path pays a few array increments.
 */
export class Metrics extends Effect.Service()("faulty-runs/Metrics", {
    effect: Effect.gen(function* () {
        const build = yield* BuildInfo;
        const registry = new Registry();
        const registers = [registry];
        const attempts = new Float64Array(ATTEMPT_OUTCOMES.length);
        let successes = 0;
        let lateResponses = 0;
        let lastAnsweredAt = null;
        const readAtScrape = (name, help, read) => new Counter({
            name,
            help,
            registers,
            collect() {
                this.reset();
                this.inc(read());
            }
        });
        new Gauge({
            name: "faulty_runs_build_info",
            help: "Always 1; the labels say which build is running",
            labelNames: ["version", "commit", "node", "effect"],
            registers
        }).set({ version: build.version, commit: build.commit ?? "unknown", node: build.node, effect: build.effect }, 1);
        const runsCreated = new Counter({ name: "faulty_runs_runs_created_total", help: "Runs accepted by POST /runs", registers });
        const runsRefused = new Counter({
            name: "faulty_runs_runs_refused_total",
            help: "Runs refused with 429 because the pending queue was full",
            registers
        });
        const runsStarted = new Counter({
            name: "faulty_runs_runs_started_total",
            help: "Runs that started executing (including runs resumed after a restart)",
            registers
        });
        const runsFinished = new Counter({ name: "faulty_runs_runs_finished_total", help: "Runs that finished executing", registers });
        const pendingRuns = new Gauge({ name: "faulty_runs_runs_pending", help: "Runs waiting in the queue (PENDING)", registers });
        const runsInProgress = new Gauge({ name: "faulty_runs_runs_in_progress", help: "Runs executing now (IN_PROGRESS)", registers });
        new Counter({
            name: "faulty_runs_upstream_attempts_total",
            help: "Upstream attempts by how they ended: the HTTP status, or malformed, timeout, transport, abandoned (in flight when the window closed)",
            labelNames: ["outcome"],
            registers,
            collect() {
                this.reset();
                ATTEMPT_OUTCOMES.forEach((outcome, index) => this.inc({ outcome }, attempts[index]));
            }
        });
        readAtScrape("faulty_runs_upstream_successes_total", "Successful upstream answers counted inside their run's window", () => successes);
        readAtScrape("faulty_runs_upstream_late_responses_total", "Successful upstream answers that arrived after their run's window had closed, and were dropped", () => lateResponses);
        const latency = new HotPathHistogram("faulty_runs_upstream_latency_seconds", "Round trip of upstream attempts that got an HTTP answer", LATENCY_BUCKETS_SECONDS).registerIn(registry);
        const upstreamInFlight = new Gauge({ name: "faulty_runs_upstream_in_flight", help: "Upstream requests in flight now", registers });
        const upstreamLimit = new Gauge({
            name: "faulty_runs_upstream_concurrency_limit",
            help: "The upstream concurrency limit in force (learned when UPSTREAM_CONCURRENCY=auto)",
            registers
        });
        const upstreamPermits = new Gauge({
            name: "faulty_runs_upstream_concurrency_permits",
            help: "Upstream requests allowed in flight now: the limit, plus one extra when a 429 is cheap",
            registers
        });
        const httpRequests = new Counter({
            name: "faulty_runs_http_requests_total",
            help: "HTTP requests served, by method, route template and status",
            labelNames: ["method", "route", "status"],
            registers
        });
        const observer = {
            runCreated: () => runsCreated.inc(),
            runRefused: () => runsRefused.inc(),
            runStarted: () => runsStarted.inc(),
            runFinished: () => runsFinished.inc(),
            attemptEnded: (exit, roundTripMs, endedAtMs) => {
                const outcome = exit._tag === "Success" ? "200" : failureOutcome(exit.cause);
                attempts[outcomeIndex[outcome]] += 1;
                if (answered[outcome]) {
                    latency.observe(roundTripMs / 1000);
                    lastAnsweredAt = endedAtMs;
                }
            },
            successCounted: () => {
                successes += 1;
            },
            lateResponseDropped: () => {
                lateResponses += 1;
            }
        };
        const render = (gauges) => Effect.promise(() => {
            pendingRuns.set(gauges.pendingRuns);
            runsInProgress.set(gauges.runsInProgress);
            upstreamInFlight.set(gauges.upstreamInFlight);
            upstreamLimit.set(gauges.upstreamLimit);
            upstreamPermits.set(gauges.upstreamPermits);
            return Registry.merge([registry, processMetrics()]).metrics();
        });
        const upstreamTotals = () => ({
            attempts: Object.fromEntries(ATTEMPT_OUTCOMES.map((outcome, index) => [outcome, attempts[index]])),
            successes,
            lateResponses,
            lastAnsweredAt
        });
        return {
            observer,
            render,
            upstreamTotals,
            /** Successes counted since start: cheap enough to read every second. */
            successesCounted: () => successes,
            /** When the upstream last sent any HTTP answer (epoch ms), or null. */
            lastUpstreamAnswerAt: () => lastAnsweredAt,
            noteUpstreamAnswer: (at) => {
                lastAnsweredAt = Math.max(lastAnsweredAt ?? at, at);
            },
            countHttpRequest: (method, route, status) => httpRequests.inc({ method, route, status: String(status) })
        };
    }),
    dependencies: [BuildInfo.Default]
}) {
}
