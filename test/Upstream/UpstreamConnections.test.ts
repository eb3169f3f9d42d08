import { describe, expect, it } from "@effect/vitest"
import { UpstreamConnections } from "../../src/Upstream/UpstreamConnections.js"

const options = { maxConnections: 2, keepAliveTimeoutMs: 1_000, headersTimeoutMs: 1_000, bodyTimeoutMs: 1_000, connectTimeoutMs: 1_000 }

describe("UpstreamConnections", () => {
  it("never hands out a connection in use, and closes what it opened past its size once given back", async () => {
    const connections = new UpstreamConnections("http://127.0.0.1:9", options)
    const taken = [connections.acquire(), connections.acquire(), connections.acquire()]
    expect(new Set(taken).size).toBe(3)
    connections.release(taken[2]!, false)
    expect(connections.size).toBe(2)
    expect(taken[2]!.closed).toBe(true)
    await connections.destroy()
  })

  it("takes an accepted connection first, the latest freed; a refused one only when none is, the earliest refused", async () => {
    const connections = new UpstreamConnections("http://127.0.0.1:9", { ...options, maxConnections: 4 })
    const [a, b, c, d] = [connections.acquire(), connections.acquire(), connections.acquire(), connections.acquire()]
    connections.release(a!, true)
    connections.release(b!, false)
    connections.release(c!, true)
    connections.release(d!, false)
    const opened = [a, b, c, d]
    const order = [connections.acquire(), connections.acquire(), connections.acquire(), connections.acquire()].map((taken) => opened.indexOf(taken))
    expect(order).toEqual([3, 1, 0, 2])
    await connections.destroy()
  })
})
