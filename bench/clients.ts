import { setMaxListeners } from "node:events"
import { Pool } from "undici"

export interface ClientResult {
  readonly successes: number
  readonly sum: bigint
  readonly attempts: number
  readonly cpuMs: number
}

/** How many requests a reference client keeps in flight, and what it learns from each answer. */
export interface Window {
  readonly size: (elapsedMs: number) => number
  /** An answer `rttMs` after its send; `inFlight` no longer counts it. */
  readonly onAnswer?: (status: number, nowMs: number, rttMs: number, inFlight: number) => void
}

/** A window that follows a given curve and learns nothing (the oracle: C(t); fixed clients). */
export const fixedWindow = (size: (elapsedMs: number) => number): Window => ({ size })

/**
 * The naive reference limiter, exactly the two rules and nothing else:
 * - on a 429, the window becomes what is still in flight;
 * - on any other answer, while window-limited and no 429 for one round trip, grow by one
 *   (so it doubles every round trip until the next 429).
 * "Window-limited": every slot of the window was in use when the answer came. "One round trip":
 * the smoothed round trip of the accepted answers.
 */
export const naiveWindow = (initial: number, max: number): Window => {
  let window = initial
  let lastRejectionAt = Number.NEGATIVE_INFINITY
  let roundTripMs = 0
  return {
    size: () => window,
    onAnswer: (status, nowMs, rttMs, inFlight) => {
      if (status === 429) {
        window = Math.max(1, inFlight)
        lastRejectionAt = nowMs
        return
      }
      roundTripMs = roundTripMs === 0 ? rttMs : roundTripMs * 0.875 + rttMs * 0.125
      const windowLimited = inFlight + 1 >= window
      if (windowLimited && nowMs - lastRejectionAt >= roundTripMs) window = Math.min(max, window + 1)
    }
  }
}

/**
 * A lean closed-loop client on a raw undici Pool: keeps `window.size(elapsed)` requests in flight
 * for `seconds`, re-sends at once after any answer, and counts the successes that arrive in time.
 */
export const closedLoop = async (options: {
  readonly url: URL
  readonly runId: string
  readonly seconds: number
  readonly window: Window
  readonly maxInFlight: number
}): Promise<ClientResult> => {
  const { window } = options
  const pool = new Pool(options.url.origin, { connections: options.maxInFlight + 2, pipelining: 1, keepAliveTimeout: 10_000 })
  const abort = new AbortController()
  setMaxListeners(0, abort.signal)
  const headers = { "x-run-id": options.runId }
  const path = options.url.pathname
  const cpuBefore = process.cpuUsage()
  const startedAt = performance.now()
  const endsAt = startedAt + options.seconds * 1000
  let inFlight = 0
  let successes = 0
  let attempts = 0
  let sum = 0n

  await new Promise<void>((finished) => {
    const fire = () => {
      inFlight += 1
      attempts += 1
      const sentAt = performance.now()
      pool.request({ path, method: "GET", headers, signal: abort.signal }).then(
        async ({ statusCode, body }) => {
          const text = await body.text()
          const now = performance.now()
          if (statusCode === 200 && now < endsAt) {
            const value = (JSON.parse(text) as { value: number }).value
            successes += 1
            sum += BigInt(value)
          }
          inFlight -= 1
          window.onAnswer?.(statusCode, now, now - sentAt, inFlight)
          pump()
        },
        () => {
          inFlight -= 1
          pump()
        }
      )
    }
    const pump = () => {
      const now = performance.now()
      if (now >= endsAt) return
      const target = Math.min(options.maxInFlight, window.size(now - startedAt))
      while (inFlight < target) fire()
    }
    pump()
    // A target can rise while every request is in flight: look again every millisecond.
    const ticker = setInterval(pump, 1)
    setTimeout(() => {
      clearInterval(ticker)
      abort.abort()
      finished()
    }, options.seconds * 1000)
  })
  const cpu = process.cpuUsage(cpuBefore)
  await pool.destroy()
  return { successes, sum, attempts, cpuMs: (cpu.user + cpu.system) / 1000 }
}
