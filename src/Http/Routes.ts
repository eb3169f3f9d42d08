import { HttpApi } from "@effect/platform"
import { Api } from "../Api.js"
import { docsRoutes } from "./ApiDocs.js"
import { dashboardRoutes } from "./Dashboard/DashboardHttp.js"

/** The longest path parameter the router accepts (find-my-way's maxParamLength): longer ones it would not route. */
export const MAX_PARAM_LENGTH = 100

type Segment = { readonly param: false; readonly text: string } | { readonly param: true }

interface Route {
  readonly method: string
  /** The path as declared, e.g. "/runs/:id": a label of bounded cardinality. */
  readonly template: string
  readonly segments: ReadonlyArray<Segment>
}

const routeOf = (method: string, template: string): Route => ({
  method,
  template,
  segments: template
    .split("/")
    .slice(1)
    .map((text): Segment => (text.startsWith(":") ? { param: true } : { param: false, text }))
})

/** Every route the server answers: the HttpApi's endpoints and the raw routes served beside them. */
const routes: ReadonlyArray<Route> = (() => {
  const list: Array<Route> = [...docsRoutes, ...dashboardRoutes].map((route) => routeOf(route.method, route.path))
  HttpApi.reflect(Api, {
    onGroup: () => {},
    onEndpoint: ({ endpoint }) => void list.push(routeOf(endpoint.method, endpoint.path))
  })
  return list
})()

const decodeParam = (raw: string): string | undefined => {
  try {
    const value = decodeURIComponent(raw)
    return value.length > 0 && value.length <= MAX_PARAM_LENGTH ? value : undefined
  } catch {
    return undefined
  }
}

/**
 * The path the router is given for a route, rebuilt from the parts the guard checked: the router
 * (find-my-way) folds case, duplicate slashes and `;`, and gives up on bad percent-encoding or a long
 * parameter, so it must never see a raw path the guard judged differently.
 */
const canonicalPathOf = (route: Route, parts: ReadonlyArray<string>): string | undefined => {
  if (parts.length !== route.segments.length) return undefined
  let path = ""
  for (let i = 0; i < parts.length; i++) {
    const segment = route.segments[i]!
    if (segment.param) {
      const value = decodeParam(parts[i]!)
      if (value === undefined) return undefined
      path += "/" + encodeURIComponent(value)
    } else if (segment.text === parts[i]) {
      path += "/" + segment.text
    } else {
      return undefined
    }
  }
  return path === "" ? "/" : path
}

export interface RouteMatch {
  readonly method: string
  readonly template: string
  readonly canonicalPath: string
}

/**
 * The routes a raw path (no query) is for, exactly: no case folding, no dot segments, no empty
 * segments, one trailing slash allowed. Empty for an unknown path.
 */
export const routesFor = (path: string): ReadonlyArray<RouteMatch> => {
  if (!path.startsWith("/")) return []
  const parts = path.split("/").slice(1)
  if (parts.length > 1 && parts.at(-1) === "" && parts.at(-2) !== "") parts.pop()
  if (parts.length > 1 && parts.includes("")) return []
  const found: Array<RouteMatch> = []
  for (const route of routes) {
    const canonicalPath = canonicalPathOf(route, parts)
    if (canonicalPath !== undefined) found.push({ method: route.method, template: route.template, canonicalPath })
  }
  return found
}

/** The methods a path answers to (HEAD wherever GET, RFC 9110 §9.3.2); empty for an unknown path. */
export const methodsFor = (path: string): ReadonlyArray<string> => {
  const methods = new Set(routesFor(path).map((route) => route.method))
  if (methods.has("GET")) methods.add("HEAD")
  return [...methods]
}

export const UNMATCHED_ROUTE = "unmatched"

/** The template of the route a request is for, or "unmatched": never the raw path, whose values are unbounded. */
export const routeTemplateFor = (method: string, path: string): string => {
  const found = routesFor(path)
  const lookup = method === "HEAD" ? "GET" : method
  return (found.find((route) => route.method === lookup) ?? found[0])?.template ?? UNMATCHED_ROUTE
}
