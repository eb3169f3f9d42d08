import { readFileSync } from "node:fs";
import { describe, expect, it } from "@effect/vitest";
import { Effect } from "effect";
import { openApiText } from "../../src/Http/ApiDocs.js";
import { request, stack } from "../support/servers.js";
const committed = readFileSync(new URL("../../openapi.json", import.meta.url), "utf8");
describe("API docs", () => {
    it("the committed openapi.json is the one the Api generates (run `npm run openapi` after changing the Api)", () => {
        expect(committed).toBe(openApiText());
    });
    it.live("GET /openapi.json serves that document, and /docs serves Swagger UI with nothing fetched from elsewhere", () => Effect.gen(function* () {
        const { base } = yield* stack();
        const document = yield* request(new URL("/openapi.json", base));
        expect(document.status).toBe(200);
        expect(JSON.parse(document.text)).toEqual(JSON.parse(committed));
        expect(Object.keys(document.json.paths).sort()).toEqual([
            "/health",
            "/metrics",
            "/ready",
            "/runs",
            "/runs/{id}",
            "/runs/{id}/events",
            "/stats",
            "/stats/throughput",
            "/version"
        ]);
        const docs = yield* request(new URL("/docs", base));
        expect(docs.status).toBe(200);
        expect(docs.headers.get("content-type")).toMatch(/^text\/html/);
        expect(docs.text).toMatch(/SwaggerUIBundle/);
        expect(docs.text).toMatch(/"\/runs\/\{id\}\/events"/); // the spec is embedded
        expect(docs.text).not.toMatch(/<(?:script|link)[^>]+(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
        const wrongMethod = yield* request(new URL("/docs", base), { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
        expect(wrongMethod.status).toBe(405);
        expect(wrongMethod.headers.get("allow")).toBe("GET");
    }).pipe(Effect.scoped));
});
