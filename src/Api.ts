import { HttpApi, HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { RunNotFound, StorageUnavailable, TooManyRuns } from "./Domain/Errors.js"
import { CreateRun, RunView } from "./Domain/Run.js"

export class RunsGroup extends HttpApiGroup.make("runs")
  .add(
    HttpApiEndpoint.post("create", "/runs")
      .setPayload(CreateRun)
      .addSuccess(RunView, { status: 202 })
      .addError(TooManyRuns)
      .addError(StorageUnavailable)
      .annotate(OpenApi.Description, "Starts a run of `seconds`, or queues it; answers at once with Location: /runs/{id}")
  )
  .add(
    HttpApiEndpoint.get("get", "/runs/:id")
      .setPath(Schema.Struct({ id: Schema.String }))
      .addSuccess(RunView)
      .addError(RunNotFound)
      .addError(StorageUnavailable)
      .annotate(OpenApi.Description, "The run's status and its counters, live while it is in progress")
  ) {}

export class Health extends Schema.Class<Health>("Health")({ status: Schema.Literal("ok") }) {}

export class SystemGroup extends HttpApiGroup.make("system").add(
  HttpApiEndpoint.get("health", "/health").addSuccess(Health)
) {}

export class Api extends HttpApi.make("faulty-runs")
  .add(RunsGroup)
  .add(SystemGroup)
  .annotate(OpenApi.Title, "faulty-runs")
  .annotate(OpenApi.Description, "Timed runs that collect every success an unreliable upstream can give") {}
