/**
 * The soak's floor: a bare node:http server with no framework, no engine and no storage, started by
 * scripts/soak.ts on the service's core and probed by the timed client on the same schedule as the
 * service (a POST /runs every 500 ms, answered 429; a GET /health every 100 ms). Its latencies are
 * what this machine gives any Node server under that arrival pattern, measured in the same run:
 * the part of the service's figures no change to the service can remove.
 */
import { createServer } from "node:http"

const refused = JSON.stringify({
  error: "TooManyRuns",
  message: "the queue of pending runs is full (MAX_PENDING_RUNS=16)",
  max_pending_runs: 16,
  retry_after_seconds: 1
})
const healthy = JSON.stringify({ status: "ok" })

const server = createServer((request, response) => {
  request.resume()
  request.on("end", () => {
    const post = request.method === "POST"
    response.writeHead(post ? 429 : 200, { "content-type": "application/json", ...(post ? { "retry-after": "1" } : {}) })
    response.end(post ? refused : healthy)
  })
})
server.listen(0, "127.0.0.1", () => {
  const address = server.address()
  process.stdout.write(`Listening on http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}\n`)
})
process.on("SIGTERM", () => server.close(() => process.exit(0)))
