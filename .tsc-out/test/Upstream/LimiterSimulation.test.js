import { describe, expect, it } from "@effect/vitest";
import { Clock, Duration, Effect, TestClock } from "effect";
import { Runs } from "../../src/Runs/Runs.js";
import { seededRandom } from "../../src/Simulator/Random.js";
import { AttemptFailed } from "../../src/Upstream/AttemptFailed.js";
import { UpstreamLimiter } from "../../src/Upstream/UpstreamLimiter.js";
import { engineWith } from "../support/engine.js";
const modelUpstream = (model) => {
    const random = seededRandom(7);
    let inFlight = 0;
    let startedAt;
    const stats = { successes: 0, rejected: 0, accepted: 0, firstAt90: undefined };
    const attempt = () => Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis;
        startedAt ??= now;
        const latency = Duration.millis(model.latencyMs + (random() * 2 - 1) * model.jitterMs);
        if (inFlight >= model.limitAt(now - startedAt)) {
            stats.rejected += 1;
            yield* Effect.sleep(model.rejectMs === "held" ? latency : Duration.millis(model.rejectMs));
            return yield* Effect.fail(new AttemptFailed({ outcome: "429", status: 429 }));
        }
        inFlight += 1;
        stats.accepted += 1;
        if (stats.firstAt90 === undefined && inFlight >= Math.ceil(0.9 * model.limitAt(now - startedAt))) {
            stats.firstAt90 = now - startedAt;
        }
        yield* Effect.sleep(latency).pipe(Effect.ensuring(Effect.sync(() => (inFlight -= 1))));
        if (random() >= model.p)
            return yield* Effect.fail(new AttemptFailed({ outcome: "500", status: 500 }));
        stats.successes += 1;
        return 1;
    });
    return { attempt, stats, inFlight: () => inFlight };
};
const simulate = (model) => {
    const upstream = modelUpstream(model);
    return Effect.gen(function* () {
        const runs = yield* Runs;
        const limiter = yield* UpstreamLimiter;
        const run = yield* runs.create(model.seconds);
        const lines = [];
        const sampleEveryMs = 250;
        for (let t = 0; t <= model.seconds * 1000; t += sampleEveryMs) {
            {
                const snapshot = limiter.snapshot();
                lines.push(`t=${String(t).padStart(5)}ms C=${String(model.limitAt(t)).padStart(3)} limit=${String(snapshot.limit).padStart(3)} ` +
                    `permits=${String(snapshot.permits).padStart(3)} upstream_in_flight=${String(upstream.inFlight()).padStart(3)} ` +
                    `successes=${upstream.stats.successes} 429s=${upstream.stats.rejected}`);
            }
            yield* TestClockAdjust(sampleEveryMs);
        }
        yield* TestClockAdjust(1_000);
        const finished = yield* runs.get(run.id);
        let ideal = 0;
        for (let t = 0; t < model.seconds * 1000; t += 1)
            ideal += (model.p * model.limitAt(t)) / model.latencyMs;
        const firstAt90 = upstream.stats.firstAt90;
        const summary = [
            `model ${model.name}: ${model.seconds}s, L=${model.latencyMs}±${model.jitterMs}ms, p=${model.p}, 429 ${model.rejectMs === "held" ? "held for L" : `after ${model.rejectMs}ms`}`,
            `counted=${finished.successfulResponsesCount} ideal=${ideal.toFixed(0)} E_eff=${(finished.successfulResponsesCount / ideal).toFixed(3)} ` +
                `429/success=${(upstream.stats.rejected / Math.max(1, upstream.stats.successes)).toFixed(3)} ` +
                `round_trips_to_90%C=${firstAt90 === undefined ? "never" : (firstAt90 / model.latencyMs).toFixed(1)}`
        ];
        return [...summary, ...lines].join("\n");
    }).pipe(Effect.provide(engineWith(upstream.attempt, { upstreamConcurrency: "auto", upstreamInitialConcurrency: 4, upstreamMaxConcurrency: 64 })));
};
const TestClockAdjust = (millis) => TestClock.adjust(Duration.millis(millis));
// Small C keeps the number of timer events (each costs real time under TestClock) low.
const models = [
    { name: "steady_C20_L50", seconds: 3, limitAt: () => 20, latencyMs: 50, jitterMs: 10, p: 0.7, rejectMs: 0.3 },
    {
        name: "changing_C20-8-32_L50",
        seconds: 5,
        limitAt: (t) => (t < 2_000 ? 20 : t < 3_000 ? 8 : 32),
        latencyMs: 50,
        jitterMs: 10,
        p: 0.7,
        rejectMs: 0.3
    },
    { name: "held429_C12_L100", seconds: 3, limitAt: () => 12, latencyMs: 100, jitterMs: 20, p: 0.8, rejectMs: "held" }
];
describe("limiter simulation (TestClock, deterministic)", () => {
    for (const model of models) {
        it.effect(model.name, () => Effect.gen(function* () {
            const report = yield* simulate(model);
            yield* Effect.promise(() => expect(report).toMatchFileSnapshot(`./__snapshots__/limiter-${model.name}.txt`));
        }));
    }
});
