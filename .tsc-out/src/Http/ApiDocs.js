import { HttpApiBuilder, HttpApiSwagger, OpenApi } from "@effect/platform";
import { Layer } from "effect";
import { Api } from "../Api.js";
export const OPENAPI_PATH = "/openapi.json";
export const DOCS_PATH = "/docs";
/** Routes served beside the HttpApi's endpoints, for the request guard's route table. */
export const docsRoutes = [
    { method: "GET", path: OPENAPI_PATH },
    { method: "GET", path: DOCS_PATH }
];
/** The OpenAPI document generated from the Api, and Swagger UI on it (its assets inlined: no network needed). */
export const ApiDocsLive = Layer.mergeAll(HttpApiBuilder.middlewareOpenApi({ path: OPENAPI_PATH }), HttpApiSwagger.layer({ path: DOCS_PATH }));
/** The committed openapi.json: the document GET /openapi.json serves, pretty-printed. */
export const openApiText = () => JSON.stringify(OpenApi.fromApi(Api), null, 2) + "\n";
