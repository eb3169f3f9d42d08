import { createServer, type Socket, connect } from "node:net"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"

/**
 * A TCP proxy on loopback in front of `target` (e.g. PostgreSQL). `cut` drops every connection
 * and refuses new ones until `restore`, as a network partition would.
 */
export const tcpProxy = (target: { readonly host: string; readonly port: number }) =>
  Effect.acquireRelease(
    Effect.async<{ readonly port: number; readonly cut: () => void; readonly restore: () => void; readonly close: () => void }>((resume) => {
      const open = new Set<Socket>()
      let cut = false
      const server = createServer((client) => {
        if (cut) return void client.destroy()
        const upstream = connect(target.port, target.host)
        open.add(client).add(upstream)
        const drop = () => {
          client.destroy()
          upstream.destroy()
          open.delete(client)
          open.delete(upstream)
        }
        client.on("error", drop).on("close", drop)
        upstream.on("error", drop).on("close", drop)
        client.pipe(upstream).pipe(client)
      })
      server.listen(0, "127.0.0.1", () =>
        resume(
          Effect.succeed({
            port: (server.address() as AddressInfo).port,
            cut: () => {
              cut = true
              for (const socket of open) socket.destroy()
              open.clear()
            },
            restore: () => void (cut = false),
            close: () => {
              for (const socket of open) socket.destroy()
              server.close()
            }
          })
        )
      )
    }),
    (proxy) => Effect.sync(proxy.close)
  )
