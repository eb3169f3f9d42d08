import { createServer, request as forward, type IncomingHttpHeaders } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"

/**
 * What the proxy does with one request: pass it through; forward it but lose the answer (the
 * server acts, the client sees its connection reset); or pass an event stream through until
 * its first event, then cut the connection.
 */
export type ProxyAction = "pass" | "lose-answer" | "cut-after-first-event"

export interface SeenRequest {
  readonly method: string
  readonly url: string
  readonly headers: IncomingHttpHeaders
}

/** A real HTTP proxy on loopback in front of `target`, for the life of the scope. */
export const faultyProxy = (target: URL, decide: (request: SeenRequest, index: number) => ProxyAction) =>
  Effect.acquireRelease(
    Effect.async<{ readonly url: URL; readonly seen: Array<SeenRequest>; readonly close: () => void }>((resume) => {
      const seen: Array<SeenRequest> = []
      const server = createServer((req, res) => {
        const request: SeenRequest = { method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers }
        const action = decide(request, seen.length)
        seen.push(request)
        const upstream = forward(
          new URL(request.url, target),
          { method: request.method, headers: { ...req.headers, host: target.host } },
          (answer) => {
            if (action === "lose-answer") {
              answer.resume()
              answer.on("end", () => req.socket.destroy())
              return
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers)
            if (action === "cut-after-first-event") {
              let text = ""
              answer.on("data", (chunk: Buffer) => {
                res.write(chunk)
                text += chunk.toString("utf8")
                if (/\nevent: run\n[^]*?\n\n/.test(text)) {
                  answer.destroy()
                  setTimeout(() => req.socket.destroy(), 20)
                }
              })
              return
            }
            answer.pipe(res)
          }
        )
        upstream.on("error", () => req.socket.destroy())
        req.pipe(upstream)
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(
          Effect.succeed({
            url: new URL(`http://127.0.0.1:${port}`),
            seen,
            close: () => {
              server.closeAllConnections()
              server.close()
            }
          })
        )
      })
    }),
    (proxy) => Effect.sync(proxy.close)
  )
