/** A small Chrome DevTools Protocol client for a child process started with `--inspect=127.0.0.1:0`. */
import { WebSocket } from "undici"

export interface Inspector {
  readonly send: <A = unknown>(method: string, params?: Record<string, unknown>) => Promise<A>
  readonly close: () => void
}

/** The "Debugger listening on ws://…" address from a process's stderr. */
export const inspectorUrl = (stderr: string): string | undefined => /Debugger listening on (ws:\/\/\S+)/.exec(stderr)?.[1]

export const connectInspector = (url: string): Promise<Inspector> =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(url)
    const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
    let next = 0
    socket.onmessage = (event) => {
      const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } }
      if (message.id === undefined) return
      const waiter = waiting.get(message.id)
      waiting.delete(message.id)
      if (message.error !== undefined) waiter?.reject(new Error(message.error.message))
      else waiter?.resolve(message.result)
    }
    socket.onerror = () => reject(new Error(`cannot connect to ${url}`))
    socket.onopen = () =>
      resolve({
        send: <A>(method: string, params: Record<string, unknown> = {}) =>
          new Promise<A>((done, fail) => {
            const id = ++next
            waiting.set(id, { resolve: done as (value: unknown) => void, reject: fail })
            socket.send(JSON.stringify({ id, method, params }))
          }),
        close: () => socket.close()
      })
  })
