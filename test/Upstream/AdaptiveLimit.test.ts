import { describe, expect, it } from "@effect/vitest"
import { AdaptiveLimit } from "../../src/Upstream/AdaptiveLimit.js"

/**
 * A limit of 0 would starve its runs for good: nothing in flight, so no answer ever raises it.
 * Seen on a replica started cold on a busy machine: its event loop made every round trip slow,
 * so its first 429s looked expensive (held) and a "failed probe" put the limit back to the
 * level of the first round trip, which was recorded as 0.
 */
describe("AdaptiveLimit never drops below its minimum", () => {
  it("a slow first round trip and two slow 429s leave at least one permit", () => {
    const limit = new AdaptiveLimit({ initial: 1, min: 1, max: 1_000, learned: false })
    // A first answer 380 ms after its send, every permit in use: the first round trip holds, and
    // the fast start raises the limit to 2.
    limit.onAccepted(380, 380, true)
    // A 429 in 215 ms: not under half the quickest accepted round trip, so 429s look expensive. It
    // was sent with 3 in flight, so it does not lower the limit.
    limit.onRejected(600, 215, 3, 3)
    // The next one, once the start is over: judged as a failed probe, back to the level that held.
    limit.onRejected(1_000, 215, 3, 3)
    expect(limit.snapshot().rejections429).toBe("expensive")
    expect(limit.permits).toBeGreaterThanOrEqual(1)
    expect(limit.settledLimit).toBeGreaterThanOrEqual(1)
  })

  it("any sequence of sends and answers keeps the limit within [min, max]", () => {
    // A seeded walk over answers of every kind, slow and quick, full and not.
    let seed = 12_345
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31
    for (let walk = 0; walk < 200; walk++) {
      const limit = new AdaptiveLimit({ initial: 1 + Math.floor(random() * 20), min: 1, max: 64, learned: random() < 0.5 })
      let now = 0
      for (let step = 0; step < 300; step++) {
        now += random() * 100
        const rtt = random() * 500
        const inFlight = 1 + Math.floor(random() * 70)
        if (random() < 0.5) limit.onSent(now, inFlight)
        if (random() < 0.3) limit.onRejected(now, rtt, inFlight, 1 + Math.floor(random() * inFlight))
        else limit.onAccepted(now, rtt, random() < 0.7)
        expect(limit.permits).toBeGreaterThanOrEqual(1)
        expect(limit.permits).toBeLessThanOrEqual(64)
        expect(limit.settledLimit).toBeGreaterThanOrEqual(1)
      }
    }
  })
})

/** A learned limit of 10, every permit in use, answers every `everyMs` taking `rttMs` until `untilMs`. */
const saturatedLimit = (rttMs: number, everyMs: number, untilMs: number) => {
  const limit = new AdaptiveLimit({ initial: 10, min: 1, max: 1_000, learned: true })
  let now = 0
  for (; now < untilMs; now += everyMs) limit.onAccepted(now, rttMs, true)
  return { limit, now }
}

describe("AdaptiveLimit after a cheap 429", () => {
  it("where round trips take 5 ms, grows again 20 ms after the 429, not one round trip after it", () => {
    // Round trips of 5 ms with every permit in use, then a 429 answered in 0.3 ms with 11 in flight.
    const { limit, now: start } = saturatedLimit(5, 1, 100)
    let now = start
    limit.onRejected(now, 0.3, 11, 11)
    expect(limit.snapshot().rejections429).toBe("cheap")
    const afterRejection = limit.permits
    const rejectedAt = now
    for (now += 1; now < rejectedAt + 20; now += 1) {
      limit.onAccepted(now, 5, true)
      expect(limit.permits).toBe(afterRejection)
    }
    limit.onAccepted(rejectedAt + 20, 5, true)
    expect(limit.permits).toBe(afterRejection + 1)
  })

  it("where round trips take longer than 20 ms, grows again one round trip after the 429", () => {
    const { limit, now } = saturatedLimit(50, 10, 1_000)
    limit.onRejected(now, 0.3, 11, 11)
    const afterRejection = limit.permits
    limit.onAccepted(now + 40, 50, true)
    expect(limit.permits).toBe(afterRejection)
    limit.onAccepted(now + 51, 50, true)
    expect(limit.permits).toBe(afterRejection + 1)
  })
})

describe("AdaptiveLimit probes where 429s are expensive", () => {
  it("lets a probe's request above the limit go out once, then raises the limit when it held", () => {
    const { limit, now: start } = saturatedLimit(50, 5, 500)
    let now = start
    // A 429 held as long as a success: 429s are expensive here, and the limit grows by probes.
    limit.onRejected(now, 50, 10, 10)
    expect(limit.snapshot().rejections429).toBe("expensive")
    const base = limit.permits
    // Quiet, saturated round trips until a probe raises the limit.
    while (limit.permits === base && now < 2_000) limit.onAccepted((now += 5), 50, true)
    expect(limit.permits).toBe(base + 1)
    // The probe's request goes out with one more than the limit in flight: the limit is back at once.
    limit.onSent(now, base + 1)
    expect(limit.permits).toBe(base)
    // Answers within 1.5 round trips of the send do not judge it; past them, a saturated round trip without a 429 does.
    const sentAt = now
    while (now < sentAt + 70) {
      limit.onAccepted((now += 5), 50, true)
      expect(limit.permits).toBe(base)
    }
    while (limit.permits === base && now < sentAt + 300) limit.onAccepted((now += 5), 50, true)
    expect(limit.permits).toBeGreaterThanOrEqual(base + 1)
  })
})
