import { Client } from "undici"

export interface UpstreamConnectionOptions {
  readonly maxConnections: number
  readonly keepAliveTimeoutMs: number
  readonly headersTimeoutMs: number
  readonly bodyTimeoutMs: number
  readonly connectTimeoutMs: number
}

/**
 * The upstream's keep-alive connections, one request on each at a time, handed out by what their
 * last answer was: a connection whose last answer was a 429 is taken only when no other is free.
 *
 * Why not undici's Pool: it hands out the first free connection in the order they were opened, and
 * an upstream that limits *connections* (SPEC §1: "a certain number of concurrent connections")
 * serves the first C it accepted and refuses every request on the others. Which of our connections
 * those are is not their order in a Pool (connections opened together race, a closed one is
 * replaced at the end), so a Pool kept sending a share of requests down refused connections, and
 * the limiter read those 429s as a C below the real one (0.92 of the oracle). Here a refused
 * connection goes to the back; where the limit counts requests, connections are interchangeable
 * and the order costs nothing.
 */
export class UpstreamConnections {
  /** Free connections whose last answer was not a 429; the most recently freed is taken first. */
  private readonly accepted: Array<Client> = []
  /**
   * Free connections whose last answer was a 429, taken when no accepted one is free, the one
   * refused longest ago first: an upstream that counts connections admits a waiting one when one
   * it served closes, and only trying each in turn finds which.
   */
  private readonly refused: Array<Client> = []
  private readonly all = new Set<Client>()

  constructor(
    private readonly origin: string,
    private readonly options: UpstreamConnectionOptions
  ) {}

  /**
   * A connection for one request, to be given back with `release` once its answer (or its failure)
   * is in. Never one that is in use: past `maxConnections` a new one is opened all the same (requests
   * left to end at a run's deadline still hold theirs while the next runs start), and closed again
   * when it is given back.
   */
  acquire(): Client {
    const free = this.accepted.pop() ?? this.refused.shift()
    if (free !== undefined) return free
    const client = new Client(this.origin, {
      pipelining: 1,
      keepAliveTimeout: this.options.keepAliveTimeoutMs,
      headersTimeout: this.options.headersTimeoutMs,
      bodyTimeout: this.options.bodyTimeoutMs,
      connectTimeout: this.options.connectTimeoutMs
    })
    this.all.add(client)
    return client
  }

  release(client: Client, answeredWith429: boolean): void {
    if (!this.all.has(client)) return
    if (this.all.size > this.options.maxConnections) {
      this.all.delete(client)
      client.close().catch(() => undefined)
      return
    }
    ;(answeredWith429 ? this.refused : this.accepted).push(client)
  }

  get size(): number {
    return this.all.size
  }

  async destroy(): Promise<void> {
    const clients = [...this.all]
    this.all.clear()
    this.accepted.length = 0
    this.refused.length = 0
    await Promise.all(clients.map((client) => client.destroy()))
  }
}
