import { describeValue } from "../Domain/Describe.js"

export type RequestTarget =
  | { readonly _tag: "Path"; readonly path: string; readonly query: string | undefined }
  | { readonly _tag: "Invalid"; readonly problem: string }

const ABSOLUTE_FORM = /^https?:\/\/[^/?#]*/i

const invalid = (target: string, why: string): RequestTarget => ({
  _tag: "Invalid",
  problem: `the request target ${describeValue(target)} ${why}`
})

/**
 * A request target (RFC 9112 §3.2) as its raw path and query: origin form ("/runs?x"), or absolute
 * form ("http://host/runs?x"), which a server must accept. Read as text, never through `new URL`,
 * which throws on "//" or "http://[::1/" and normalises dot segments the router does not.
 */
export const parseRequestTarget = (target: string): RequestTarget => {
  let rest = target
  if (!target.startsWith("/")) {
    const authority = ABSOLUTE_FORM.exec(target)
    if (authority === null) return invalid(target, "is neither a path nor an absolute http URL")
    if (!URL.canParse(target)) return invalid(target, "is not a valid URL")
    rest = target.slice(authority[0].length)
    if (rest === "" || rest.startsWith("?")) rest = "/" + rest
  }
  if (rest.includes("#")) return invalid(target, "has a fragment (#), which a request cannot carry")
  const queryAt = rest.indexOf("?")
  return queryAt === -1
    ? { _tag: "Path", path: rest, query: undefined }
    : { _tag: "Path", path: rest.slice(0, queryAt), query: rest.slice(queryAt + 1) }
}

/** The raw path of a request target, or "" for a target that is not valid (no route has it). */
export const pathOf = (target: string): string => {
  const parsed = parseRequestTarget(target)
  return parsed._tag === "Path" ? parsed.path : ""
}
