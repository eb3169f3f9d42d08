import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import { numberParam } from "./QueryParams.js"

export class Health extends Schema.Class<Health>("Health")({ status: Schema.Literal("ok") }) {}

const Check = Schema.Struct({
  ok: Schema.Boolean,
  detail: Schema.String
})

export const ReadinessChecks = Schema.Struct({
  database: Check.annotations({ description: "The database answered a query" }),
  upstream: Check.annotations({ description: "The upstream sent an HTTP answer (any status) recently" })
})

export class Ready extends Schema.Class<Ready>("Ready")({
  status: Schema.Literal("ready"),
  checks: ReadinessChecks
}) {}

/** 503: the service should not be sent traffic; `message` says why. */
export class NotReady extends Schema.TaggedError<NotReady>()(
  "NotReady",
  { message: Schema.String, checks: ReadinessChecks },
  HttpApiSchema.annotations({ status: 503 })
) {}

export class VersionInfo extends Schema.Class<VersionInfo>("VersionInfo")({
  name: Schema.String,
  version: Schema.String,
  commit: Schema.NullOr(Schema.String).annotations({ description: "The git commit, or null when unknown" }),
  node: Schema.String,
  effect: Schema.String,
  started_at: Schema.Date,
  uptime_seconds: Schema.NonNegative
}) {}

const Count = Schema.NonNegativeInt

export class ServiceStats extends Schema.Class<ServiceStats>("ServiceStats")({
  runs: Schema.Struct({ PENDING: Count, IN_PROGRESS: Count, FINISHED: Count, total: Count }).annotations({
    description: "Runs by status, all time"
  }),
  successful_responses_count: Count.annotations({ description: "Successes of all runs, all time (live for runs in progress)" }),
  finished_runs_mean_successes_per_second: Schema.NullOr(Schema.NonNegative).annotations({
    description: "The mean over FINISHED runs of successful_responses_count / seconds; null when none finished"
  }),
  upstream: Schema.Struct({
    since: Schema.Date,
    attempts: Count,
    attempts_by_outcome: Schema.Record({ key: Schema.String, value: Count }),
    successes: Count,
    late_responses: Count,
    success_share: Schema.NullOr(Schema.Number).annotations({
      description: "Attempts answered 200 over attempts that ended (abandoned ones left out); null before any"
    })
  }).annotations({ description: "Upstream attempts since this process started" })
}) {}

export class ThroughputSample extends Schema.Class<ThroughputSample>("ThroughputSample")({
  at: Schema.Number.annotations({ description: "Epoch milliseconds" }),
  successes_per_second: Schema.NonNegative,
  concurrency_limit: Count,
  in_flight: Count
}) {}

export class Throughput extends Schema.Class<Throughput>("Throughput")({
  now: Schema.Number.annotations({ description: "The server's clock, epoch milliseconds" }),
  interval_ms: Schema.Int,
  samples: Schema.Array(ThroughputSample)
}) {}

export const ThroughputParams = Schema.Struct({
  since: Schema.optionalWith(
    numberParam({ name: "since", min: 0, max: Number.MAX_SAFE_INTEGER, whole: true, rule: "epoch milliseconds" }),
    { exact: true }
  )
})
