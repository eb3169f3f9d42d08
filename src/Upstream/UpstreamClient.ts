import { Effect, Layer } from "effect"
import type { Dispatcher } from "undici"
import { UpstreamConfig } from "./UpstreamConfig.js"
import type { RunId } from "../Domain/RunId.js"
import { AttemptFailed } from "./AttemptFailed.js"
import { UpstreamConnections } from "./UpstreamConnections.js"
import { UpstreamTarget, upstreamPath } from "./UpstreamTarget.js"

const INT32_MIN = -2_147_483_648
const INT32_MAX = 2_147_483_647
const notJson = new AttemptFailed({ outcome: "malformed", status: 200, detail: "body is not JSON" })
const notAnAnswer = new AttemptFailed({ outcome: "malformed", status: 200, detail: 'body is not {"value": int32}' })

/** undici's codes for a request that ran out of time (ours: the per-attempt timeout). */
export const TIMEOUT_CODES: ReadonlySet<string> = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT"])

// The routine failures are values, made once (an attempt fails about every other time).
const rejected = new AttemptFailed({ outcome: "429", status: 429 })
const internalError = new AttemptFailed({ outcome: "500", status: 500 })
const timedOut = new AttemptFailed({ outcome: "504", status: 504 })
const failedStatus = (status: number): AttemptFailed =>
  status === 429
    ? rejected
    : status === 500
      ? internalError
      : status === 504
        ? timedOut
        : new AttemptFailed({ outcome: "status", status })

/**
 * The value of a 200's body, `{"value": <int32>}` (other keys ignored). Checked by hand rather
 * than with a Schema: it runs for every success, and a Schema decode cost more per answer than
 * the rest of the attempt's own bookkeeping.
 */
const parseValue = (text: string): Effect.Effect<number, AttemptFailed> => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return Effect.fail(notJson)
  }
  const value = typeof json === "object" && json !== null && !Array.isArray(json) ? (json as { value?: unknown }).value : undefined
  return typeof value === "number" && Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX
    ? Effect.succeed(value)
    : Effect.fail(notAnAnswer)
}

/** Longer bodies than any `{"value": <int32>}` with room for other keys are not answers. */
const MAX_BODY_BYTES = 64 * 1024
const tooLong = new AttemptFailed({ outcome: "malformed", status: 200, detail: `body longer than ${MAX_BODY_BYTES} bytes` })
const cutOffTooLong = new Error(`body longer than ${MAX_BODY_BYTES} bytes`)

/**
 * One GET of the upstream on a keep-alive connection (UpstreamConnections), through undici's dispatch API: the answer
 * comes to four callbacks, with no response stream and no promise per attempt (undici's request
 * API builds both, and cost a fifth more CPU per attempt, measured in a fresh process). Our
 * per-attempt timeout is undici's own headers/body timeout, so an attempt costs no extra timer.
 */
export class UpstreamClient extends Effect.Service<UpstreamClient>()("faulty-runs/UpstreamClient", {
  scoped: Effect.gen(function* () {
    const config = yield* UpstreamConfig
    const target = yield* UpstreamTarget
    const path = upstreamPath(target)
    const connections = yield* Effect.acquireRelease(
      Effect.sync(
        () =>
          new UpstreamConnections(target.origin, {
            // Connections open lazily: room for every permit the limit may give, and a few to spare.
            maxConnections: config.maxInFlight + 4,
            keepAliveTimeoutMs: 10_000,
            headersTimeoutMs: config.upstreamTimeoutMs,
            bodyTimeoutMs: config.upstreamTimeoutMs,
            connectTimeoutMs: Math.min(config.upstreamTimeoutMs, 10_000)
          })
      ),
      (connections) => Effect.promise(() => connections.destroy())
    )

    /**
     * The attempts of one run. `signal` is the run's: aborting it at the run's end abandons every
     * request of the run still in flight at once, so no attempt needs an abort listener of its own.
     */
    const attempt = (runId: RunId, signal: AbortSignal): Effect.Effect<number, AttemptFailed> => {
      const headers = { "x-run-id": runId }
      const inFlight = new Set<Dispatcher.DispatchController>()
      const abandoned = new Error("the run's window closed")
      signal.addEventListener("abort", () => {
        for (const controller of inFlight) controller.abort(abandoned)
        inFlight.clear()
      }, { once: true })
      return Effect.async<number, AttemptFailed>((resume) => {
        let status = 0
        let first: Buffer | undefined
        let rest: Array<Buffer> | undefined
        let length = 0
        const connection = connections.acquire()
        connection.dispatch({ path, method: "GET", headers }, {
          onRequestStart: (controller) => {
            if (signal.aborted) controller.abort(abandoned)
            else inFlight.add(controller)
          },
          onResponseStart: (_, statusCode) => {
            status = statusCode
          },
          onResponseData: (controller, chunk) => {
            if (status !== 200) return
            length += chunk.length
            if (length > MAX_BODY_BYTES) {
              status = -1
              controller.abort(cutOffTooLong)
            } else if (first === undefined) first = chunk
            else (rest ??= []).push(chunk)
          },
          onResponseEnd: (controller) => {
            inFlight.delete(controller)
            connections.release(connection, status === 429)
            if (status !== 200) return resume(Effect.fail(failedStatus(status)))
            const body = first === undefined ? "" : rest === undefined ? first.toString("utf8") : Buffer.concat([first, ...rest]).toString("utf8")
            resume(parseValue(body))
          },
          onResponseError: (controller, error: { code?: string; message?: string }) => {
            inFlight.delete(controller)
            connections.release(connection, false)
            resume(Effect.fail(error === cutOffTooLong ? tooLong : transportFailure(error)))
          }
        })
      })
    }

    return { attempt } as const
  })
}) {
  /** For tests and tools that bring their own attempt (e.g. a fake upstream under TestClock). */
  static fromAttempt = (attempt: (runId: RunId, signal: AbortSignal) => Effect.Effect<number, AttemptFailed>) =>
    Layer.succeed(UpstreamClient, UpstreamClient.make({ attempt }))
}

const transportFailure = (error: { code?: string; message?: string }): AttemptFailed =>
  new AttemptFailed({
    outcome: error.code !== undefined && TIMEOUT_CODES.has(error.code) ? "timeout" : "transport",
    detail: error.code ?? error.message ?? "request failed"
  })
