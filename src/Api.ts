import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { IdempotencyKeyReused, RunNotFound, StorageUnavailable, TooManyRuns } from "./Domain/Errors.js"
import { IdempotencyKey } from "./Domain/Idempotency.js"
import { MAX_WAIT_SECONDS, WaitSeconds } from "./Domain/LongPoll.js"
import { CreateRun, RunView } from "./Domain/Run.js"
import {
  Health,
  NotReady,
  Ready,
  ServiceStats,
  Throughput,
  ThroughputParams,
  VersionInfo
} from "./Domain/System.js"
import { RunEventId } from "./Domain/RunEvents.js"
import { ListRunsParams, RunPage } from "./Domain/RunListing.js"

/** A created (or replayed) run: 202, since it executes later. */
export const AcceptedRun = RunView.annotations(HttpApiSchema.annotations({ status: 202 }))

export class RunsGroup extends HttpApiGroup.make("runs")
  .annotate(OpenApi.Description, "Timed runs: start one, read it, wait for it, follow it, list them")
  .add(
    HttpApiEndpoint.post("create", "/runs")
      .annotate(OpenApi.Summary, "Start a run")
      .setPayload(CreateRun)
      .setHeaders(Schema.Struct({ "idempotency-key": Schema.optionalWith(IdempotencyKey, { exact: true }) }))
      .addSuccess(AcceptedRun)
      .addError(TooManyRuns)
      .addError(IdempotencyKeyReused)
      .addError(StorageUnavailable)
      .annotate(
        OpenApi.Description,
        "Starts a run of `seconds`, or queues it; answers at once with Location: /runs/{id}. " +
          "With an Idempotency-Key, the same key and body return the same run for 24 h (header Idempotent-Replayed: true); " +
          "the same key with another body is refused with 422."
      )
  )
  .add(
    HttpApiEndpoint.get("list", "/runs")
      .annotate(OpenApi.Summary, "List runs")
      .setUrlParams(ListRunsParams)
      .addSuccess(RunPage)
      .addError(StorageUnavailable)
      .annotate(OpenApi.Description, "Runs, newest first, optionally of one status; next_cursor fetches the next page")
  )
  .add(
    HttpApiEndpoint.get("get", "/runs/:id")
      .annotate(OpenApi.Summary, "Get a run")
      .setPath(Schema.Struct({ id: Schema.String }))
      .setUrlParams(Schema.Struct({ wait: Schema.optionalWith(WaitSeconds, { exact: true }) }))
      .addSuccess(RunView)
      .addError(RunNotFound)
      .addError(StorageUnavailable)
      .annotate(
        OpenApi.Description,
        "The run's status and its counters, live while it is in progress. With `wait`, the answer is held " +
          `until the run is FINISHED or \`wait\` seconds (at most ${MAX_WAIT_SECONDS}) have passed.`
      )
  )
  .add(
    HttpApiEndpoint.get("events", "/runs/:id/events")
      .annotate(OpenApi.Summary, "Follow a run as server-sent events")
      .setPath(Schema.Struct({ id: Schema.String }))
      .setHeaders(Schema.Struct({ "last-event-id": Schema.optionalWith(RunEventId, { exact: true }) }))
      .addSuccess(HttpApiSchema.Text({ contentType: "text/event-stream" }))
      .addError(RunNotFound)
      .addError(StorageUnavailable)
      .annotate(
        OpenApi.Description,
        "Server-sent events: `event: run` with the run as `data` when its state changes, and its counters a few " +
          "times a second while it is IN_PROGRESS; the stream ends after FINISHED. Event ids grow along the run: " +
          "reconnect with Last-Event-ID to continue without repeats. Idle streams get a comment every 15 s."
      )
  ) {}

export class SystemGroup extends HttpApiGroup.make("system")
  .annotate(OpenApi.Description, "Operations: liveness, readiness, version, totals, throughput and metrics")
  .add(HttpApiEndpoint.get("health", "/health")
      .annotate(OpenApi.Summary, "Liveness").addSuccess(Health).annotate(OpenApi.Description, "Liveness: the process answers"))
  .add(
    HttpApiEndpoint.get("ready", "/ready")
      .annotate(OpenApi.Summary, "Readiness")
      .addSuccess(Ready)
      .addError(NotReady)
      .annotate(
        OpenApi.Description,
        "Readiness: 200 when the database answers and the upstream sent an answer recently (probed when it has not); " +
          "503 with the reason otherwise"
      )
  )
  .add(
    HttpApiEndpoint.get("version", "/version")
      .annotate(OpenApi.Summary, "Version and uptime")
      .addSuccess(VersionInfo)
      .annotate(OpenApi.Description, "What is running: name, version, git commit when known, Node and Effect versions, uptime")
  )
  .add(
    HttpApiEndpoint.get("stats", "/stats")
      .annotate(OpenApi.Summary, "Totals")
      .addSuccess(ServiceStats)
      .addError(StorageUnavailable)
      .annotate(OpenApi.Description, "Totals in JSON: runs by status, successes, upstream attempts and success share")
  )
  .add(
    HttpApiEndpoint.get("throughput", "/stats/throughput")
      .annotate(OpenApi.Summary, "Throughput over time")
      .setUrlParams(ThroughputParams)
      .addSuccess(Throughput)
      .annotate(
        OpenApi.Description,
        "Successes per second, the concurrency limit and requests in flight, sampled every second over the last " +
          "minutes (only samples after `since`, epoch ms, when given)"
      )
  )
  .add(
    HttpApiEndpoint.get("metrics", "/metrics")
      .annotate(OpenApi.Summary, "Prometheus metrics")
      .addSuccess(HttpApiSchema.Text({ contentType: "text/plain" }))
      .annotate(OpenApi.Description, "Prometheus metrics in the text exposition format")
  ) {}

export class Api extends HttpApi.make("faulty-runs")
  .add(RunsGroup)
  .add(SystemGroup)
  .annotate(OpenApi.Title, "faulty-runs")
  .annotate(OpenApi.Description, "Timed runs that collect every success an unreliable upstream can give")
  .annotate(OpenApi.License, { name: "MIT", url: "https://opensource.org/licenses/MIT" })
  // Relative: the document is served by the service itself, wherever it listens.
  .annotate(OpenApi.Servers, [{ url: "/", description: "this service" }]) {}
