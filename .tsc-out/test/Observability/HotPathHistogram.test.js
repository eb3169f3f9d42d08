import { describe, expect, it } from "vitest";
import { Histogram, Registry } from "prom-client";
import { HotPathHistogram } from "../../src/Observability/HotPathHistogram.js";
import { LATENCY_BUCKETS_SECONDS } from "../../src/Observability/Metrics.js";
import { histogramOf, parseExposition } from "../support/prometheus.js";
const NAME = "latency_seconds";
const HELP = "Round trips";
const exposition = async (observe, kind) => {
    const registry = new Registry();
    if (kind === "prom-client") {
        const histogram = new Histogram({ name: NAME, help: HELP, buckets: LATENCY_BUCKETS_SECONDS, registers: [registry] });
        observe((value) => histogram.observe(value));
    }
    else {
        const histogram = new HotPathHistogram(NAME, HELP, LATENCY_BUCKETS_SECONDS).registerIn(registry);
        observe((value) => histogram.observe(value));
    }
    return registry.metrics();
};
describe("HotPathHistogram", () => {
    it("writes exactly the exposition prom-client's own Histogram writes for the same observations", async () => {
        // Values on, between, below and beyond the bounds, in a fixed pseudo-random order.
        const values = [0, 0.005, 0.0051, 0.05, 0.075, 0.1, 10, 10.5, 1e6, ...Array.from({ length: 500 }, (_, i) => ((i * 7919) % 1201) / 997)];
        const feed = (record) => values.forEach(record);
        const ours = await exposition(feed, "hot path");
        expect(ours).toBe(await exposition(feed, "prom-client"));
        const parsed = histogramOf(parseExposition(ours), NAME);
        expect(parsed.count).toBe(values.length);
        expect(parsed.buckets["0.005"]).toBe(values.filter((value) => value <= 0.005).length);
        expect(parsed.buckets["10"]).toBe(values.filter((value) => value <= 10).length);
    });
    it("reads empty before any observation, and after a reset", async () => {
        const registry = new Registry();
        const histogram = new HotPathHistogram(NAME, HELP, [0.1, 1]).registerIn(registry);
        histogram.observe(0.5);
        registry.resetMetrics();
        const parsed = histogramOf(parseExposition(await registry.metrics()), NAME);
        expect(parsed).toEqual({ count: 0, sum: 0, buckets: { "0.1": 0, "1": 0, "+Inf": 0 } });
    });
});
