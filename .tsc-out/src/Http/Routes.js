import { HttpApi } from "@effect/platform";
import { Api } from "../Api.js";
import { docsRoutes } from "./ApiDocs.js";
import { dashboardRoutes } from "./Dashboard/DashboardHttp.js";
const routeOf = (method, template) => {
    const source = template.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/:[A-Za-z_]\w*/g, "[^/]+");
    return { method, template, pattern: new RegExp(`^${source}/?$`) };
};
/** Every route the server answers: the HttpApi's endpoints and the raw routes served beside them. */
const routes = (() => {
    const list = [...docsRoutes, ...dashboardRoutes].map((route) => routeOf(route.method, route.path));
    HttpApi.reflect(Api, {
        onGroup: () => { },
        onEndpoint: ({ endpoint }) => void list.push(routeOf(endpoint.method, endpoint.path))
    });
    return list;
})();
/** The methods a path answers to; empty for an unknown path. */
export const methodsFor = (path) => [...new Set(routes.filter((route) => route.pattern.test(path)).map((route) => route.method))];
export const UNMATCHED_ROUTE = "unmatched";
/** The template of the route a request is for, or "unmatched": never the raw path, whose values are unbounded. */
export const routeTemplateFor = (method, path) => {
    let samePath;
    for (const route of routes) {
        if (!route.pattern.test(path))
            continue;
        if (route.method === method)
            return route.template;
        samePath ??= route;
    }
    return samePath?.template ?? UNMATCHED_ROUTE;
};
