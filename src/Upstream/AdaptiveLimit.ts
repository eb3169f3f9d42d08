/**
 * Finds the upstream's unknown concurrency limit C from what its answers say. Pure state: the
 * caller reports each answer with the time (ms) and the facts it knows, and reads `permits`.
 *
 * - A 429 is the only congestion signal. 500/504 are random faults: they never move the limit.
 * - Start: the limit grows by one per accepted answer (it doubles every round trip) until the
 *   first 429, unless it starts from a limit learned before.
 * - On a 429 after a probe, the limit goes back to the last level that a whole round trip ran at
 *   without a 429. Otherwise (the first 429, or C fell) it becomes an estimate of C: how many of
 *   our other requests were in flight when the rejected one was sent (what the upstream held when
 *   it arrived). Both are absolute levels, and 429s within one round trip of a decrease are the
 *   same signal, so a burst of 429s does not compound.
 * - Probing: after a few quiet round trips the limit grows by one; when that level holds for a
 *   round trip the next probe follows at once with a doubled step, and after two such successes
 *   C has clearly risen, so the fast start takes over again. A round trip in which the overshoot
 *   (below) drew no 429 counts as such a success. Where a 429 is expensive (it is
 *   held, or holds an upstream slot), a probe that draws one doubles the wait before the next
 *   (up to 16 round trips).
 * - Latency guard: when round trips are inflated well above the best seen, our own side (CPU,
 *   event loop) is the bottleneck: do not grow, and shrink when it gets worse.
 * - Overshoot: when a 429 costs far less than a success's round trip (the upstream answers it at
 *   once), one extra request in flight fills the gap between an answer arriving and our next
 *   request reaching the upstream. Its 429s are expected: they neither lower the limit nor count
 *   against a probe, and the limiter holds the slot of a 429 for a while (rejectionPauseMs), which
 *   bounds how often it can happen.
 */
export interface AdaptiveLimitOptions {
  readonly initial: number
  readonly min: number
  readonly max: number
  /** True when `initial` was learned before: skip the fast start. */
  readonly learned: boolean
}

export type LimitPhase = "start" | "steady"

export interface LimitSnapshot {
  readonly limit: number
  /** The limit without a probe in progress. */
  readonly settledLimit: number
  readonly permits: number
  readonly phase: LimitPhase
  readonly smoothedRttMs: number
  readonly baselineRttMs: number
  readonly rejections: number
  readonly decreases: number
}

const QUIET_WINDOWS_BEFORE_PROBE = 2
const MOST_QUIET_WINDOWS_BEFORE_PROBE = 16
const HOLD_RATIO = 2
const SHRINK_RATIO = 3
/** Overshoot only when a 429 comes back this many times faster than an accepted answer. */
const CHEAP_REJECTION_RATIO = 8
const REJECTION_RTT_SAMPLES = 9
/**
 * Where round trips take a few milliseconds, probing every few round trips would draw a 429 every
 * few milliseconds while C stands still: probes are at least this far apart.
 */
const MIN_PROBE_INTERVAL_MS = 50

export class AdaptiveLimit {
  private currentLimit: number
  private phase: LimitPhase
  private smoothedRtt = 0
  /** The latest 429 round trips (a ring), whose median says how fast the upstream refuses. */
  private readonly rejectionRtts: Array<number> = []
  /**
   * Their median, kept up to date at each 429 (it is read on every attempt). A median, not an
   * average: a few 429s delayed by a busy event loop would otherwise hold the average up, and with
   * the overshoot off too few new 429s come to bring it down.
   */
  private rejectionRttMs = 0
  private nextRejectionRtt = 0
  private baselineRtt = Number.POSITIVE_INFINITY
  /** The limit in force when the baseline round trip was measured. */
  private baselineLimit = 1
  private windowEndsAt = Number.NEGATIVE_INFINITY
  private windowRttSum = 0
  private windowRttCount = 0
  private windowRejected = false
  /** Any 429 in the window, the overshoot's included. */
  private windowAnyRejection = false
  private windowPermits = 0
  /** When the current run of round trips at limit + 1 without a 429 began. */
  private overshootQuietSince: number | undefined = undefined
  private windowSaturated = false
  private windowLimit = 0
  /** The highest limit that a whole round trip ran at, fully used, without a 429. */
  private lastGoodLimit: number | undefined = undefined
  private lastDecreaseAt = Number.NEGATIVE_INFINITY
  private quietWindows = 0
  private probeStep = 1
  private probeDelay = QUIET_WINDOWS_BEFORE_PROBE
  private probing = false
  private lastProbeAt = Number.NEGATIVE_INFINITY
  /** The limit before the probe in progress raised it. */
  private probeBase = 0
  private probeSuccesses = 0
  private rejections = 0
  private decreases = 0

  constructor(private readonly options: AdaptiveLimitOptions) {
    this.currentLimit = clamp(options.initial, options.min, options.max)
    this.phase = options.learned ? "steady" : "start"
  }

  get limit(): number {
    return this.currentLimit
  }

  /** The limit without a probe in progress: what has held, and what is worth remembering. */
  get settledLimit(): number {
    return this.probing ? Math.min(this.probeBase, this.currentLimit) : this.currentLimit
  }

  /** Requests allowed in flight: the limit, plus the overshoot when a 429 is cheap. */
  get permits(): number {
    return Math.min(this.options.max, this.currentLimit + this.overshoot)
  }

  private get overshoot(): number {
    return this.phase === "steady" && this.rejectionIsCheap ? 1 : 0
  }

  private get rejectionIsCheap(): boolean {
    return this.rejectionRtts.length > 0 && this.rejectionRttMs * CHEAP_REJECTION_RATIO < this.smoothedRtt
  }

  /**
   * How long a 429's slot stays taken before it is used again: long enough that one slot's 429s
   * stay below a tenth of the successes (at most limit/RTT a second, fewer where answers fail),
   * short enough to catch a gap.
   */
  get rejectionPauseMs(): number {
    return Math.max(1, this.smoothedRtt / 5, (12 * this.smoothedRtt) / this.currentLimit)
  }

  /** One round trip, the pace of every decision (at least a millisecond). */
  get roundTripMs(): number {
    return Math.max(1, this.smoothedRtt)
  }

  /**
   * An answer that the upstream accepted (200, 500, malformed): it measured a round trip.
   * `limitWasFull` says whether every permit was in use while it was out, i.e. whether the limit
   * was what held us back.
   */
  onAccepted(now: number, rttMs: number, limitWasFull: boolean): void {
    this.smoothedRtt = this.smoothedRtt === 0 ? rttMs : this.smoothedRtt * 0.875 + rttMs * 0.125
    this.windowRttSum += rttMs
    this.windowRttCount += 1
    if (limitWasFull) this.windowSaturated = true
    this.advanceWindow(now)
    // Grow only when the limit is what we hit; an idle limit says nothing about C.
    if (this.phase === "start" && limitWasFull && !this.guardHolds()) {
      this.currentLimit = Math.min(this.options.max, this.currentLimit + 1)
    }
  }

  /**
   * A 429, `rttMs` after it was sent, when `inFlightAtSend` of our requests (itself included)
   * were in flight, and `inFlightAtAnswer` when it came back.
   */
  onRejected(now: number, rttMs: number, inFlightAtSend: number, inFlightAtAnswer: number): void {
    this.rejections += 1
    this.rejectionRtts[this.nextRejectionRtt] = rttMs
    this.nextRejectionRtt = (this.nextRejectionRtt + 1) % REJECTION_RTT_SAMPLES
    const sorted = [...this.rejectionRtts].sort((a, b) => a - b)
    this.rejectionRttMs = sorted[Math.floor(sorted.length / 2)]!
    this.advanceWindow(now)
    this.windowAnyRejection = true
    // What the upstream held when it refused were our requests in flight at that moment. Requests
    // sent together can arrive out of order over different connections (one still being opened),
    // so the count at the send alone can fall short; a 429 that came back well before an answer
    // could have (not held by the upstream) saw about the count at its answer too.
    const answeredAtOnce = rttMs * 2 < this.roundTripMs
    const inFlightWhenRefused = answeredAtOnce ? Math.max(inFlightAtSend, inFlightAtAnswer) : inFlightAtSend
    // The overshoot's own request: a 429 was expected, it says nothing new about C.
    if (this.phase === "steady" && inFlightWhenRefused > this.currentLimit) return
    this.windowRejected = true
    if (this.probing && !this.rejectionIsCheap) {
      this.probeDelay = Math.min(this.probeDelay * 2, MOST_QUIET_WINDOWS_BEFORE_PROBE)
    }
    this.probing = false
    this.probeSuccesses = 0
    this.quietWindows = 0
    this.probeStep = 1
    // A burst of 429s within one round trip of a decrease is the same signal.
    if (now - this.lastDecreaseAt < this.roundTripMs) return
    const estimate = clamp(inFlightWhenRefused - 1, this.options.min, this.options.max)
    const probeFailed =
      this.phase === "steady" &&
      this.lastGoodLimit !== undefined &&
      this.lastGoodLimit < this.currentLimit &&
      estimate >= this.lastGoodLimit - 1
    const next = probeFailed ? this.lastGoodLimit! : estimate
    if (next < this.currentLimit) {
      this.currentLimit = next
      this.decreases += 1
      this.lastDecreaseAt = now
      if (!probeFailed) this.lastGoodLimit = undefined
    }
    this.phase = "steady"
  }

  snapshot(): LimitSnapshot {
    return {
      limit: this.currentLimit,
      settledLimit: this.settledLimit,
      permits: this.permits,
      phase: this.phase,
      smoothedRttMs: this.smoothedRtt,
      baselineRttMs: Number.isFinite(this.baselineRtt) ? this.baselineRtt : 0,
      rejections: this.rejections,
      decreases: this.decreases
    }
  }

  private guardHolds(): boolean {
    return Number.isFinite(this.baselineRtt) && this.smoothedRtt > HOLD_RATIO * this.baselineRtt + 1
  }

  /** Closes the round-trip window when its time is up and decides what the window says. */
  private advanceWindow(now: number): void {
    if (now < this.windowEndsAt) return
    if (this.windowRttCount > 0) {
      const mean = this.windowRttSum / this.windowRttCount
      // The best window seen, drifting up slowly so that a lasting change of L is accepted.
      const drifted = this.baselineRtt * 1.002
      if (mean <= drifted) this.baselineLimit = this.windowLimit
      this.baselineRtt = Math.min(mean, drifted)
      // Shrink only when the inflation lasts (the smoothed RTT agrees): one slow window is a GC
      // pause or a burst, not a bottleneck.
      if (mean > SHRINK_RATIO * this.baselineRtt + 2 && this.smoothedRtt > HOLD_RATIO * this.baselineRtt + 1) {
        // ...but never below the concurrency that the best round trips were seen at: more requests
        // in flight did not help, fewer than that would only leave the upstream idle.
        const floor = Math.max(this.options.min, this.baselineLimit)
        if (this.currentLimit > floor) this.currentLimit = Math.max(floor, Math.floor(this.currentLimit * 0.9))
        this.quietWindows = 0
        this.probeStep = 1
      } else if (this.phase === "steady" && !this.windowRejected && now - this.lastDecreaseAt >= this.roundTripMs) {
        this.quietWindows += 1
        // The overshoot is a standing probe: round trips at limit + 1 without one 429 mean C has
        // risen at least that far. At least two of them, and long enough for the overshoot's
        // pauses after its 429s to have ended several times over.
        const overshootQuiet =
          !this.probing && this.windowPermits > this.windowLimit && this.windowSaturated && !this.windowAnyRejection
        if (!overshootQuiet) this.overshootQuietSince = undefined
        else if (this.overshootQuietSince === undefined) this.overshootQuietSince = now
        const overshootHeld =
          this.overshootQuietSince !== undefined &&
          now - this.overshootQuietSince >= Math.max(this.roundTripMs, 4 * this.rejectionPauseMs)
        if (overshootHeld) this.overshootQuietSince = undefined
        if ((this.probing && this.windowSaturated) || overshootHeld) {
          // The probed level held for a whole round trip: probe again now, or start fast again.
          if (overshootHeld) this.currentLimit = Math.min(this.options.max, this.windowPermits)
          this.probing = false
          this.probeDelay = QUIET_WINDOWS_BEFORE_PROBE
          this.probeSuccesses += 1
          this.quietWindows = this.probeDelay + 1
          if (this.probeSuccesses >= 2) {
            this.phase = "start"
            this.probeSuccesses = 0
            this.probeStep = 1
          }
        }
        if (
          this.phase === "steady" &&
          !this.probing &&
          this.quietWindows > this.probeDelay &&
          now - this.lastProbeAt >= MIN_PROBE_INTERVAL_MS &&
          mean <= HOLD_RATIO * this.baselineRtt + 1
        ) {
          this.probeBase = this.currentLimit
          this.lastProbeAt = now
          this.currentLimit = Math.min(this.options.max, this.currentLimit + this.probeStep)
          this.probeStep *= 2
          this.probing = true
        }
      }
    }
    if (!this.windowRejected && this.windowSaturated && this.windowRttCount > 0) {
      const level = Math.min(this.windowLimit, this.currentLimit)
      if (this.lastGoodLimit === undefined || level > this.lastGoodLimit) this.lastGoodLimit = level
    }
    this.windowRttSum = 0
    this.windowRttCount = 0
    this.windowRejected = false
    this.windowAnyRejection = false
    this.windowSaturated = false
    this.windowLimit = this.currentLimit
    this.windowPermits = this.permits
    this.windowEndsAt = now + this.roundTripMs
  }
}

const clamp = (value: number, min: number, max: number) => Math.max(min, Math.min(max, Math.round(value)))
