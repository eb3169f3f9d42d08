import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { Clock, Duration, Effect } from "effect"
import { Api } from "../Api.js"
import { Health, NotReady, Ready, Throughput, VersionInfo } from "../Domain/System.js"
import { BuildInfo } from "../Observability/BuildInfo.js"
import { Metrics, METRICS_CONTENT_TYPE } from "../Observability/Metrics.js"
import { Readiness } from "../Observability/Readiness.js"
import { serviceStats } from "../Observability/ServiceStats.js"
import { SAMPLE_INTERVAL, ThroughputHistory } from "../Observability/ThroughputHistory.js"
import { Runs } from "../Runs/Runs.js"
import { UpstreamLimiter } from "../Upstream/UpstreamLimiter.js"

export const SystemHttpLive = HttpApiBuilder.group(Api, "system", (handlers) =>
  Effect.gen(function* () {
    const runs = yield* Runs
    const limiter = yield* UpstreamLimiter
    const metrics = yield* Metrics
    const readiness = yield* Readiness
    const build = yield* BuildInfo
    const history = yield* ThroughputHistory

    return handlers
      .handle("health", () => Effect.succeed(new Health({ status: "ok" })))
      .handle("ready", () =>
        Effect.flatMap(readiness.check, (report) =>
          report.ready
            ? Effect.succeed(new Ready({ status: "ready", checks: report.checks }))
            : Effect.fail(new NotReady({ message: `not ready: ${report.reason}`, checks: report.checks }))
        )
      )
      .handle("version", () =>
        Effect.map(
          Clock.currentTimeMillis,
          (now) =>
            new VersionInfo({
              name: build.name,
              version: build.version,
              commit: build.commit,
              node: build.node,
              effect: build.effect,
              started_at: new Date(build.startedAt),
              uptime_seconds: Math.max(0, (now - build.startedAt) / 1000)
            })
        )
      )
      .handle("stats", () => Effect.map(runs.totals, (totals) => serviceStats(totals, metrics.upstreamTotals(), build.startedAt)))
      .handle("throughput", ({ urlParams }) =>
        Effect.map(
          Clock.currentTimeMillis,
          (now) =>
            new Throughput({ now, interval_ms: Duration.toMillis(SAMPLE_INTERVAL), samples: history.after(urlParams.since) })
        )
      )
      .handle("metrics", () => {
        const activity = runs.activity()
        const upstream = limiter.snapshot()
        return Effect.map(
          metrics.render({
            pendingRuns: activity.pending,
            runsInProgress: activity.inProgress,
            upstreamInFlight: upstream.inFlight,
            upstreamLimit: upstream.limit,
            upstreamPermits: upstream.permits
          }),
          (text) => HttpServerResponse.text(text, { contentType: METRICS_CONTENT_TYPE })
        )
      })
  })
)
