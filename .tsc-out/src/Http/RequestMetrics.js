import { HttpServerRequest } from "@effect/platform";
import { Effect } from "effect";
import { Metrics } from "../Observability/Metrics.js";
import { routeTemplateFor } from "./Routes.js";
/** Counts every answered request by method, route template and status (requests cut off by a shutdown are not answered). */
export const countRequests = (app) => Effect.gen(function* () {
    const metrics = yield* Metrics;
    const request = yield* HttpServerRequest.HttpServerRequest;
    const response = yield* app;
    const path = new URL(request.url, "http://localhost").pathname;
    metrics.countHttpRequest(request.method, routeTemplateFor(request.method, path), response.status);
    return response;
});
