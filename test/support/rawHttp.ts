import { connect } from "node:net"
import { Effect } from "effect"

export interface RawResponse {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: string
}

export interface RawExchange {
  /** Every response read off the connection, in order. */
  readonly responses: ReadonlyArray<RawResponse>
  /** The server closed the connection (rather than the wait running out). */
  readonly closed: boolean
  readonly raw: string
}

const parseResponses = (raw: string, head: boolean): Array<RawResponse> => {
  const responses: Array<RawResponse> = []
  let rest = raw
  while (rest.startsWith("HTTP/")) {
    const headEnd = rest.indexOf("\r\n\r\n")
    if (headEnd < 0) break
    const [statusLine, ...lines] = rest.slice(0, headEnd).split("\r\n")
    const headers: Record<string, string> = {}
    for (const line of lines) {
      const colon = line.indexOf(":")
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
    }
    rest = rest.slice(headEnd + 4)
    let body = ""
    // A HEAD answer and an interim one (100 Continue) have no body whatever their headers say; in a
    // pipelined exchange, the next status line right after the headers tells a HEAD answer apart
    // (no body of this service starts with "HTTP/1.").
    const bodiless = head || /^HTTP\/1\.[01] 1\d\d /.test(statusLine!) || rest.startsWith("HTTP/1.")
    if (bodiless) {
      // nothing to read: the next answer, if any, starts here
    } else if (headers["transfer-encoding"] === "chunked") {
      while (true) {
        const sizeEnd = rest.indexOf("\r\n")
        if (sizeEnd < 0) break
        const size = parseInt(rest.slice(0, sizeEnd), 16)
        body += rest.slice(sizeEnd + 2, sizeEnd + 2 + size)
        rest = rest.slice(sizeEnd + 2 + size + 2)
        if (size === 0 || Number.isNaN(size)) break
      }
    } else if (headers["content-length"] !== undefined) {
      const length = Number(headers["content-length"])
      body = rest.slice(0, length)
      rest = rest.slice(length)
    } else {
      body = rest
      rest = ""
    }
    const status = Number(statusLine!.split(" ")[1])
    if (status >= 200) responses.push({ status, headers, body })
  }
  return responses
}

/**
 * Writes bytes to the server on one raw TCP connection (the framing exactly as given: pipelining,
 * stray bytes, HTTP/1.0) and reads until the server closes it or `waitMs` passes.
 */
export const rawExchange = (
  base: URL,
  bytes: string | Buffer,
  options: { readonly waitMs?: number; readonly head?: boolean } = {}
) =>
  Effect.async<RawExchange>((resume) => {
    const socket = connect(Number(base.port), base.hostname)
    const chunks: Array<Buffer> = []
    let done = false
    const finish = (closed: boolean) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      const raw = Buffer.concat(chunks).toString("latin1")
      resume(Effect.succeed({ responses: parseResponses(raw, options.head ?? false), closed, raw }))
    }
    const timer = setTimeout(() => finish(false), options.waitMs ?? 2_000)
    socket.on("connect", () => socket.write(bytes))
    socket.on("data", (chunk) => chunks.push(chunk))
    socket.on("end", () => finish(true))
    socket.on("close", () => finish(true))
    socket.on("error", () => finish(true))
  })

/** A request's bytes: the request line, Host, the given headers and an optional body with its Content-Length. */
export const rawRequest = (
  method: string,
  target: string,
  options: { readonly headers?: ReadonlyArray<string>; readonly body?: string; readonly version?: string } = {}
) => {
  const lines = [`${method} ${target} HTTP/${options.version ?? "1.1"}`, "Host: test", ...(options.headers ?? [])]
  if (options.body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(options.body)}`)
  return `${lines.join("\r\n")}\r\n\r\n${options.body ?? ""}`
}
