/**
 * Finds the upstream's unknown concurrency limit C from what its answers say (how, and why:
 * docs/LIMITER.md). Pure state on the per-answer path: the caller reports each answer with the
 * time (ms) and the facts it knows, and reads `permits`.
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
/** A probe is judged once this many round trips have passed since its requests went out (their latency varies). */
const PROBE_VERDICT_ROUND_TRIPS = 1.5
/**
 * Where round trips take a few milliseconds, "one round trip without a 429" would grow the limit
 * back into a C that stands still every few milliseconds, each time drawing a burst of 429s: after
 * a 429, growth waits at least this long. A C that rose is found at most this much later.
 */
const MIN_QUIET_BEFORE_GROWTH_MS = 20

/** The latest `capacity` samples, oldest overwritten first. */
class Ring {
  private readonly samples: Array<number> = []
  private next = 0

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.samples.length
  }

  add(sample: number): void {
    this.samples[this.next] = sample
    this.next = (this.next + 1) % this.capacity
  }

  /** The smallest sample (0 when there is none); a loop, as a spread would allocate on every 429. */
  min(): number {
    if (this.samples.length === 0) return 0
    let least = this.samples[0]!
    for (let index = 1; index < this.samples.length; index++) if (this.samples[index]! < least) least = this.samples[index]!
    return least
  }
}

/** What the round trips say: their pace, and how fast the upstream refuses and accepts. */
interface RoundTrips {
  /** Exponentially smoothed round trip of the accepted answers (ms; 0 before the first). */
  smoothed: number
  readonly rejected: Ring
  readonly accepted: Ring
}

/** The 429s: what they cost, and when the last came. */
interface Rejections {
  /** Decided at each 429 (it is read on every answer). */
  expensive: boolean
  lastAt: number
  count: number
}

/** The limit itself. */
interface Level {
  current: number
  phase: LimitPhase
  /** The limit set by the latest 429, raised by every whole round trip that held above it. */
  held: number
  decreases: number
  lastDecreaseAt: number
}

/** The round trip under way: what happened in it decides at its end (advanceWindow). */
interface RoundTripWindow {
  endsAt: number
  rejected: boolean
  saturated: boolean
  answered: boolean
  /** The limit when it began. */
  limit: number
}

/** Probing, where 429s are expensive. */
interface Probe {
  active: boolean
  /** The highest limit that a whole round trip ran at, fully used, without a 429. */
  lastGood: number | undefined
  quietWindows: number
  step: number
  /** Quiet round trips before the next probe. */
  delay: number
  lastAt: number
  /** The limit before the probe in progress raised it. */
  base: number
  /** How far the probe in progress raised it, and how many of its requests above `base` are still to go out. */
  raisedBy: number
  unsent: number
  /** When the last of them went out. */
  sentAt: number
  /** Probes in a row that held. */
  successes: number
}

export class AdaptiveLimit {
  private readonly level: Level
  private readonly roundTrips: RoundTrips = {
    smoothed: 0,
    rejected: new Ring(REJECTION_RTT_SAMPLES),
    accepted: new Ring(ACCEPTED_RTT_SAMPLES)
  }
  private readonly rejections: Rejections = { expensive: false, lastAt: Number.NEGATIVE_INFINITY, count: 0 }
  private readonly window: RoundTripWindow = {
    endsAt: Number.NEGATIVE_INFINITY,
    rejected: false,
    saturated: false,
    answered: false,
    limit: 0
  }
  private readonly probe: Probe = {
    active: false,
    lastGood: undefined,
    quietWindows: 0,
    step: 1,
    delay: QUIET_WINDOWS_BEFORE_PROBE,
    lastAt: Number.NEGATIVE_INFINITY,
    base: 0,
    raisedBy: 0,
    unsent: 0,
    sentAt: Number.NEGATIVE_INFINITY,
    successes: 0
  }

  constructor(private readonly options: AdaptiveLimitOptions) {
    const initial = clamp(options.initial, options.min, options.max)
    this.level = {
      current: initial,
      phase: options.learned ? "steady" : "start",
      held: initial,
      decreases: 0,
      lastDecreaseAt: Number.NEGATIVE_INFINITY
    }
    // The first round trip runs at the initial limit: a window that held at it proves that level, never 0.
    this.window.limit = initial
  }

  get limit(): number {
    return this.level.current
  }

  /** The limit without a probe or a growth in progress: what has held, and what is worth remembering. */
  get settledLimit(): number {
    if (this.probe.active) return Math.min(this.probe.base, this.level.current)
    return this.level.phase === "start" ? this.level.current : Math.min(this.level.held, this.level.current)
  }

  /** Requests allowed in flight. */
  get permits(): number {
    return this.level.current
  }

  /**
   * How long a 429's slot stays taken before it is used again, where 429s are expensive: long
   * enough that one slot's 429s stay below a tenth of the successes. A cheap 429 needs no pause:
   * the limit it sets is what is in flight, so nothing is sent until an answer frees a slot.
   */
  get rejectionPauseMs(): number {
    const rtt = this.roundTrips.smoothed
    return this.rejections.expensive ? Math.max(1, rtt / 5, (12 * rtt) / this.level.current) : 0
  }

  /** One round trip, the pace of every decision (at least a millisecond). */
  get roundTripMs(): number {
    return Math.max(1, this.roundTrips.smoothed)
  }

  /**
   * An answer that the upstream accepted (200, 500, malformed): it measured a round trip.
   * `limitWasFull` says whether every permit was in use while it was out, i.e. whether the limit
   * was what held us back.
   */
  onAccepted(now: number, rttMs: number, limitWasFull: boolean): void {
    const roundTrips = this.roundTrips
    roundTrips.smoothed = roundTrips.smoothed === 0 ? rttMs : roundTrips.smoothed * 0.875 + rttMs * 0.125
    roundTrips.accepted.add(rttMs)
    this.window.answered = true
    if (limitWasFull) this.window.saturated = true
    this.advanceWindow(now)
    this.growOnAccepted(now, limitWasFull)
  }

  /**
   * A 429, `rttMs` after it was sent, when `inFlightAtSend` of our requests (itself included)
   * were in flight, and `inFlightAtAnswer` when it came back (itself included).
   */
  onRejected(now: number, rttMs: number, inFlightAtSend: number, inFlightAtAnswer: number): void {
    this.rejections.count += 1
    this.roundTrips.rejected.add(rttMs)
    this.judgeRejectionCost()
    this.rejections.lastAt = now
    this.advanceWindow(now)
    this.window.rejected = true
    const wasStarting = this.level.phase === "start"
    this.level.phase = "steady"
    if (this.rejections.expensive) this.shrinkOnExpensiveRejection(now, inFlightAtSend, wasStarting)
    else this.shrinkOnCheapRejection(inFlightAtAnswer)
  }

  /**
   * A request went out with `inFlight` of ours in flight (itself included). A probe's requests
   * above the limit go out once, not for a whole round trip: where a refused request keeps one of
   * the upstream's slots while its 429 is held, every request sent at the probed level in that round
   * trip would find the upstream full and be refused too (measured: 20-25 429s per probe at C = 50).
   * The probe's verdict, a round trip later, raises the limit for good.
   */
  onSent(now: number, inFlight: number): void {
    const probe = this.probe
    if (!probe.active || probe.unsent === 0 || inFlight <= probe.base) return
    probe.unsent -= 1
    if (probe.unsent > 0) return
    this.level.current = probe.base
    probe.sentAt = now
  }

  snapshot(): LimitSnapshot {
    const { rejected, accepted } = this.roundTrips
    return {
      limit: this.level.current,
      settledLimit: this.settledLimit,
      permits: this.permits,
      phase: this.level.phase,
      rejections429: rejected.size === 0 ? "unknown" : this.rejections.expensive ? "expensive" : "cheap",
      smoothedRttMs: this.roundTrips.smoothed,
      quickestRejectionMs: rejected.min(),
      quickestAcceptedMs: accepted.min(),
      rejections: this.rejections.count,
      decreases: this.level.decreases
    }
  }

  /**
   * Grow only when the limit is what we hit (an idle limit says nothing about C), and not within
   * a round trip of a 429 (the upstream was full a moment ago). Where 429s are expensive, growth
   * after the start is the probes' job.
   */
  private growOnAccepted(now: number, limitWasFull: boolean): void {
    const doubling = this.level.phase === "start" || !this.rejections.expensive
    if (doubling && limitWasFull && now - this.rejections.lastAt >= Math.max(this.roundTripMs, MIN_QUIET_BEFORE_GROWTH_MS)) {
      this.level.current = Math.min(this.options.max, this.level.current + 1)
    }
  }

  /** Until a 429 and an accepted answer say otherwise, a 429 is taken to be cheap. */
  private judgeRejectionCost(): void {
    const { rejected, accepted } = this.roundTrips
    this.rejections.expensive = accepted.size > 0 && rejected.min() * CHEAP_REJECTION_RATIO >= accepted.min()
  }

  /**
   * What the upstream held when it refused is what we still have in flight as its answer comes.
   * Not the count at its send: answers already on their way (read later, in one batch) leave that
   * count above what the upstream held, and a limit set from it drew two to three times as many
   * 429s for no more successes (measured against the simulator, three runs at C = 60: 0.40 -> 0.15
   * 429s per success).
   */
  private shrinkOnCheapRejection(inFlightAtAnswer: number): void {
    const estimate = clamp(inFlightAtAnswer - 1, this.options.min, this.options.max)
    if (estimate < this.level.current) {
      this.level.current = estimate
      this.level.decreases += 1
    }
    this.level.held = this.level.current
    this.endProbe()
  }

  /**
   * A held 429 says what the upstream held when it arrived: our other requests in flight at its
   * send. A probe that drew it goes back to the last level that held, and waits longer next time.
   */
  private shrinkOnExpensiveRejection(now: number, inFlightAtSend: number, wasStarting: boolean): void {
    const probe = this.probe
    if (probe.active) probe.delay = Math.min(probe.delay * 2, MOST_QUIET_WINDOWS_BEFORE_PROBE)
    this.endProbe()
    // A burst of 429s within one round trip of a decrease is the same signal.
    if (now - this.level.lastDecreaseAt < this.roundTripMs) return
    const estimate = clamp(inFlightAtSend - 1, this.options.min, this.options.max)
    const probeFailed =
      !wasStarting && probe.lastGood !== undefined && probe.lastGood < this.level.current && estimate >= probe.lastGood - 1
    const next = probeFailed ? Math.max(this.options.min, probe.lastGood!) : estimate
    if (next < this.level.current) {
      this.level.current = next
      this.level.decreases += 1
      this.level.lastDecreaseAt = now
      if (!probeFailed) probe.lastGood = undefined
    }
    this.level.held = this.level.current
  }

  private endProbe(): void {
    this.probe.active = false
    this.probe.successes = 0
    this.probe.quietWindows = 0
    this.probe.step = 1
    this.probe.unsent = 0
  }

  /** Closes the round trip under way when its time is up, and decides what it says. */
  private advanceWindow(now: number): void {
    if (now < this.window.endsAt) return
    this.noteHeldLevel()
    if (this.window.answered && this.level.phase === "steady" && this.rejections.expensive) this.probeOnQuiet(now)
    this.startWindow(now)
  }

  /** A whole round trip ran at this level, fully used, without a 429: it holds. */
  private noteHeldLevel(): void {
    const window = this.window
    if (!window.answered || !window.saturated || window.rejected) return
    const level = Math.min(window.limit, this.level.current)
    if (level > this.level.held) this.level.held = level
    if (this.probe.lastGood === undefined || level > this.probe.lastGood) this.probe.lastGood = level
  }

  private startWindow(now: number): void {
    const window = this.window
    window.rejected = false
    window.saturated = false
    window.answered = false
    window.limit = this.level.current
    window.endsAt = now + this.roundTripMs
  }

  /** Where 429s are expensive: after quiet round trips, raise the limit a step at a time. */
  private probeOnQuiet(now: number): void {
    if (this.window.rejected || now - this.level.lastDecreaseAt < this.roundTripMs) return
    const probe = this.probe
    probe.quietWindows += 1
    if (probe.active) {
      // Its own answers, a held 429 among them, come about a round trip after its requests went out:
      // a window that closes sooner says nothing about the probed level.
      const sentAt = probe.unsent === 0 ? probe.sentAt : probe.lastAt
      if (now < sentAt + PROBE_VERDICT_ROUND_TRIPS * this.roundTripMs) return
      if (this.window.saturated && this.confirmProbe()) return
    }
    this.startProbe(now)
  }

  /**
   * The probed level held for a whole round trip: probe again now with a doubled step; after two
   * such successes C has clearly risen, and the doubling of the start takes over (true).
   */
  private confirmProbe(): boolean {
    const probe = this.probe
    probe.active = false
    if (probe.unsent === 0) this.level.current = Math.max(this.level.current, probe.base + probe.raisedBy)
    probe.delay = QUIET_WINDOWS_BEFORE_PROBE
    probe.successes += 1
    probe.quietWindows = probe.delay + 1
    if (probe.successes < 2) return false
    this.level.phase = "start"
    probe.successes = 0
    probe.step = 1
    return true
  }

  /** Enough quiet round trips, and not too soon after the last probe: raise the limit by the step. */
  private startProbe(now: number): void {
    const probe = this.probe
    if (probe.active || probe.quietWindows <= probe.delay || now - probe.lastAt < MIN_PROBE_INTERVAL_MS) return
    probe.base = this.level.current
    probe.lastAt = now
    this.level.current = Math.min(this.options.max, this.level.current + probe.step)
    probe.raisedBy = this.level.current - probe.base
    probe.unsent = probe.raisedBy
    probe.step *= 2
    probe.active = true
  }
}

const clamp = (value: number, min: number, max: number) => Math.max(min, Math.min(max, Math.round(value)))
