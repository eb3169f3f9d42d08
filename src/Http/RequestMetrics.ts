import { type HttpApp, HttpApp as HttpAppModule, HttpServerRequest, type HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import { Metrics } from "../Observability/Metrics.js"
import { wasNotExecuted } from "./RequestGuard.js"
import { pathOf } from "./RequestTarget.js"
import { routeTemplateFor } from "./Routes.js"

/**
 * Counts every answered request by method, route template and status: the status that was sent.
 * An answer the platform writes after a failure only passes through the pre-response handlers, an
 * answer of the guard only comes back from `app`: each is counted once, where it is seen. Requests
 * cut off by a shutdown or not executed on a closing connection are not answered, and not counted.
 */
export const countRequests = <E, R>(app: HttpApp.Default<E, R>) =>
  Effect.gen(function* () {
    const metrics = yield* Metrics
    const request = yield* HttpServerRequest.HttpServerRequest
    let counted = false
    const count = (response: HttpServerResponse.HttpServerResponse) => {
      if (counted || wasNotExecuted(request)) return
      counted = true
      metrics.countHttpRequest(request.method, routeTemplateFor(request.method, pathOf(request.url)), response.status)
    }
    yield* HttpAppModule.appendPreResponseHandler((_, response) => Effect.as(Effect.sync(() => count(response)), response))
    return yield* Effect.tap(app, (response) => Effect.sync(() => count(response)))
  })
