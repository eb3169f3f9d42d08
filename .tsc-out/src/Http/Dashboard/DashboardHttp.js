import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { HttpApiBuilder, HttpServerResponse } from "@effect/platform";
import { Effect } from "effect";
const require = createRequire(import.meta.url);
const here = (file) => new URL(file, import.meta.url);
// Everything the page loads comes from this service: the browser is told so, and refuses the rest.
const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const assets = [
    { path: "/", file: here("index.html"), contentType: "text/html; charset=utf-8" },
    { path: "/dashboard/app.js", file: here("dashboard.js"), contentType: "text/javascript; charset=utf-8" },
    { path: "/dashboard/app.css", file: here("dashboard.css"), contentType: "text/css; charset=utf-8" },
    // uPlot is served from its npm package: no CDN, and no copy to keep in step.
    { path: "/dashboard/uPlot.iife.min.js", file: require.resolve("uplot/dist/uPlot.iife.min.js"), contentType: "text/javascript; charset=utf-8" },
    { path: "/dashboard/uPlot.min.css", file: require.resolve("uplot/dist/uPlot.min.css"), contentType: "text/css; charset=utf-8" }
];
/** The dashboard's routes, for the request guard's route table. */
export const dashboardRoutes = assets.map((asset) => ({ method: "GET", path: asset.path }));
/** The live dashboard at GET / and its assets, read once at start-up and served from memory. */
export const DashboardLive = HttpApiBuilder.Router.use((router) => Effect.forEach(assets, (asset) => {
    const response = HttpServerResponse.uint8Array(readFileSync(asset.file), {
        contentType: asset.contentType,
        headers: {
            "cache-control": "no-cache",
            "x-content-type-options": "nosniff",
            "content-security-policy": CONTENT_SECURITY_POLICY
        }
    });
    return router.get(asset.path, Effect.succeed(response));
}, { discard: true }));
