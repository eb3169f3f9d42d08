/**
 * Finds the upstream's unknown concurrency limit C from what its answers say. Pure state: the
 * caller reports each answer with the time (ms) and the facts it knows, and reads `permits`.
 *
 * - A 429 is the only congestion signal. 500/504 are random faults: they never move the limit.
 *   Round trips never move it either: a slow round trip is as often our own busy event loop as
 *   the upstream, and C is what a 429 says.
 * - Growth (two rules, the whole of it where a 429 comes back at once, i.e. costs nothing but its
 *   own round trip): on an accepted answer, while the limit was full and no 429 came for one round
 *   trip, the limit grows by one, so it doubles every round trip; on a 429, it becomes what we
 *   still have in flight (what the upstream held when it refused). A start, a C that rose and a
 *   learned limit that is now too low are all found the same way, in about a round trip.
 * - Where a 429 is expensive (it is held for a latency, or holds an upstream slot), growing blindly
 *   for a whole round trip would draw a round trip's worth of them: after the first 429 the limit
 *   grows by probes instead. After a few quiet round trips it grows by one; when that level holds
 *   for a round trip the next probe follows at once with a doubled step, and after two such
 *   successes C has clearly risen, so the doubling takes over again. A probe that draws a 429
 *   puts the limit back to the last level that held and doubles the wait before the next (up to
 *   16 round trips); its slot also pauses before it is used again (rejectionPauseMs).
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
  /** The limit without a probe or a growth in progress: what has held, and what is worth remembering. */
  readonly settledLimit: number
  readonly permits: number
  readonly phase: LimitPhase
  /** How 429s cost here, once one was seen: "cheap" (answered at once) or "expensive". */
  readonly rejections429: "unknown" | "cheap" | "expensive"
  readonly smoothedRttMs: number
  /** The quickest of the latest 429 round trips and of the latest accepted ones, which judge what a 429 costs. */
  readonly quickestRejectionMs: number
  readonly quickestAcceptedMs: number
  readonly rejections: number
  readonly decreases: number
}

const QUIET_WINDOWS_BEFORE_PROBE = 2
const MOST_QUIET_WINDOWS_BEFORE_PROBE = 16
/**
 * A 429 is cheap when the quickest of the latest 429s came back in under half the quickest of the
 * latest accepted round trips. The quickest, not a mean or median: our own event-loop lag (a busy
 * CPU, code not yet optimised) delays both alike, often by more than the upstream's latency, and
 * must not make an upstream that refuses at once look like one that holds its 429s; some answers
 * always arrive at an idle moment.
 */
const CHEAP_REJECTION_RATIO = 2
const REJECTION_RTT_SAMPLES = 9
const ACCEPTED_RTT_SAMPLES = 32
/**
 * Where round trips take a few milliseconds, probing every few round trips would draw a 429 every
 * few milliseconds while C stands still: probes are at least this far apart.
 */
const MIN_PROBE_INTERVAL_MS = 50

export class AdaptiveLimit {
  private currentLimit: number
  private phase: LimitPhase
  private smoothedRtt = 0
  /** The latest 429 round trips and accepted round trips (rings): how fast the upstream refuses. */
  private readonly rejectionRtts: Array<number> = []
  private nextRejectionRtt = 0
  private readonly acceptedRtts: Array<number> = []
  private nextAcceptedRtt = 0
  /** Decided at each 429 (it is read on every answer). */
  private rejectionIsExpensive = false
  private lastRejectionAt = Number.NEGATIVE_INFINITY
  /** The limit set by the latest 429, raised by every whole round trip that held above it. */
  private heldLimit: number
  private windowEndsAt = Number.NEGATIVE_INFINITY
  private windowRejected = false
  private windowSaturated = false
  private windowAnswered = false
  private windowLimit = 0
  // Probing, where 429s are expensive.
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
    this.heldLimit = this.currentLimit
    // The first round trip runs at the initial limit: a window that held at it proves that level, never 0.
    this.windowLimit = this.currentLimit
    this.phase = options.learned ? "steady" : "start"
  }

  get limit(): number {
    return this.currentLimit
  }

  /** The limit without a probe or a growth in progress: what has held, and what is worth remembering. */
  get settledLimit(): number {
    if (this.probing) return Math.min(this.probeBase, this.currentLimit)
    return this.phase === "start" ? this.currentLimit : Math.min(this.heldLimit, this.currentLimit)
  }

  /** Requests allowed in flight. */
  get permits(): number {
    return this.currentLimit
  }


  /**
   * How long a 429's slot stays taken before it is used again, where 429s are expensive: long
   * enough that one slot's 429s stay below a tenth of the successes. A cheap 429 needs no pause:
   * the limit it sets is what is in flight, so nothing is sent until an answer frees a slot.
   */
  get rejectionPauseMs(): number {
    return this.rejectionIsExpensive ? Math.max(1, this.smoothedRtt / 5, (12 * this.smoothedRtt) / this.currentLimit) : 0
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
    this.acceptedRtts[this.nextAcceptedRtt] = rttMs
    this.nextAcceptedRtt = (this.nextAcceptedRtt + 1) % ACCEPTED_RTT_SAMPLES
    this.windowAnswered = true
    if (limitWasFull) this.windowSaturated = true
    this.advanceWindow(now)
    // Grow only when the limit is what we hit (an idle limit says nothing about C), and not within
    // a round trip of a 429 (the upstream was full a moment ago).
    const doubling = this.phase === "start" || !this.rejectionIsExpensive
    if (doubling && limitWasFull && now - this.lastRejectionAt >= this.roundTripMs) {
      this.currentLimit = Math.min(this.options.max, this.currentLimit + 1)
    }
  }

  /**
   * A 429, `rttMs` after it was sent, when `inFlightAtSend` of our requests (itself included)
   * were in flight, and `inFlightAtAnswer` when it came back (itself included).
   */
  onRejected(now: number, rttMs: number, inFlightAtSend: number, inFlightAtAnswer: number): void {
    this.rejections += 1
    this.rejectionRtts[this.nextRejectionRtt] = rttMs
    this.nextRejectionRtt = (this.nextRejectionRtt + 1) % REJECTION_RTT_SAMPLES
    // Until a 429 and an accepted answer say otherwise, a 429 is taken to be cheap.
    this.rejectionIsExpensive =
      this.acceptedRtts.length > 0 && Math.min(...this.rejectionRtts) * CHEAP_REJECTION_RATIO >= Math.min(...this.acceptedRtts)
    this.lastRejectionAt = now
    this.advanceWindow(now)
    this.windowRejected = true
    const wasStarting = this.phase === "start"
    this.phase = "steady"
    if (!this.rejectionIsExpensive) {
      // What the upstream held when it refused is what we still have in flight. Our count at the
      // answer can fall short of it (answers read in one batch are refilled only after this), and
      // the one at the send can exceed it (answers already on their way): a 429 that came straight
      // back saw both moments at once, so the larger one is the better reading.
      const estimate = clamp(Math.max(inFlightAtSend, inFlightAtAnswer) - 1, this.options.min, this.options.max)
      if (estimate < this.currentLimit) {
        this.currentLimit = estimate
        this.decreases += 1
      }
      this.heldLimit = this.currentLimit
      this.endProbe()
      return
    }
    if (this.probing) this.probeDelay = Math.min(this.probeDelay * 2, MOST_QUIET_WINDOWS_BEFORE_PROBE)
    this.endProbe()
    // A burst of 429s within one round trip of a decrease is the same signal.
    if (now - this.lastDecreaseAt < this.roundTripMs) return
    // A held 429 says what the upstream held when it arrived: our other requests in flight at its send.
    const estimate = clamp(inFlightAtSend - 1, this.options.min, this.options.max)
    const probeFailed =
      !wasStarting && this.lastGoodLimit !== undefined && this.lastGoodLimit < this.currentLimit && estimate >= this.lastGoodLimit - 1
    const next = probeFailed ? Math.max(this.options.min, this.lastGoodLimit!) : estimate
    if (next < this.currentLimit) {
      this.currentLimit = next
      this.decreases += 1
      this.lastDecreaseAt = now
      if (!probeFailed) this.lastGoodLimit = undefined
    }
    this.heldLimit = this.currentLimit
  }

  snapshot(): LimitSnapshot {
    return {
      limit: this.currentLimit,
      settledLimit: this.settledLimit,
      permits: this.permits,
      phase: this.phase,
      rejections429: this.rejectionRtts.length === 0 ? "unknown" : this.rejectionIsExpensive ? "expensive" : "cheap",
      smoothedRttMs: this.smoothedRtt,
      quickestRejectionMs: this.rejectionRtts.length === 0 ? 0 : Math.min(...this.rejectionRtts),
      quickestAcceptedMs: this.acceptedRtts.length === 0 ? 0 : Math.min(...this.acceptedRtts),
      rejections: this.rejections,
      decreases: this.decreases
    }
  }

  private endProbe() {
    this.probing = false
    this.probeSuccesses = 0
    this.quietWindows = 0
    this.probeStep = 1
  }

  /** Closes the round-trip window when its time is up and decides what the window says. */
  private advanceWindow(now: number): void {
    if (now < this.windowEndsAt) return
    const held = this.windowAnswered && this.windowSaturated && !this.windowRejected
    if (held) {
      // A whole round trip ran at this level, fully used, without a 429: it holds.
      const level = Math.min(this.windowLimit, this.currentLimit)
      if (level > this.heldLimit) this.heldLimit = level
      if (this.lastGoodLimit === undefined || level > this.lastGoodLimit) this.lastGoodLimit = level
    }
    if (this.windowAnswered && this.phase === "steady" && this.rejectionIsExpensive) this.probeOnQuiet(now)
    this.windowRejected = false
    this.windowSaturated = false
    this.windowAnswered = false
    this.windowLimit = this.currentLimit
    this.windowEndsAt = now + this.roundTripMs
  }

  /** Where 429s are expensive: after quiet round trips, raise the limit a step at a time. */
  private probeOnQuiet(now: number): void {
    if (this.windowRejected || now - this.lastDecreaseAt < this.roundTripMs) return
    this.quietWindows += 1
    if (this.probing && this.windowSaturated) {
      // The probed level held for a whole round trip: probe again now, or double again.
      this.probing = false
      this.probeDelay = QUIET_WINDOWS_BEFORE_PROBE
      this.probeSuccesses += 1
      this.quietWindows = this.probeDelay + 1
      if (this.probeSuccesses >= 2) {
        this.phase = "start"
        this.probeSuccesses = 0
        this.probeStep = 1
        return
      }
    }
    if (!this.probing && this.quietWindows > this.probeDelay && now - this.lastProbeAt >= MIN_PROBE_INTERVAL_MS) {
      this.probeBase = this.currentLimit
      this.lastProbeAt = now
      this.currentLimit = Math.min(this.options.max, this.currentLimit + this.probeStep)
      this.probeStep *= 2
      this.probing = true
    }
  }
}

const clamp = (value: number, min: number, max: number) => Math.max(min, Math.min(max, Math.round(value)))
