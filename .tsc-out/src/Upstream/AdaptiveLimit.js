const QUIET_WINDOWS_BEFORE_PROBE = 2;
const MOST_QUIET_WINDOWS_BEFORE_PROBE = 16;
const HOLD_RATIO = 2;
const SHRINK_RATIO = 3;
/** Overshoot only when a 429 comes back this many times faster than an accepted answer. */
const CHEAP_REJECTION_RATIO = 8;
const REJECTION_RTT_SAMPLES = 9;
/**
 * Where round trips take a few milliseconds, probing every few round trips would draw a 429 every
 * few milliseconds while C stands still: probes are at least this far apart.
 */
const MIN_PROBE_INTERVAL_MS = 50;
export class AdaptiveLimit {
    options;
    currentLimit;
    phase;
    smoothedRtt = 0;
    /** The latest 429 round trips (a ring), whose median says how fast the upstream refuses. */
    rejectionRtts = [];
    /**
     * Their median, kept up to date at each 429 (it is read on every attempt). A median, not an
     * average: a few 429s delayed by a busy event loop would otherwise hold the average up, and with
     * the overshoot off too few new 429s come to bring it down.
     */
    rejectionRttMs = 0;
    nextRejectionRtt = 0;
    baselineRtt = Number.POSITIVE_INFINITY;
    /** The limit in force when the baseline round trip was measured. */
    baselineLimit = 1;
    windowEndsAt = Number.NEGATIVE_INFINITY;
    windowRttSum = 0;
    windowRttCount = 0;
    windowRejected = false;
    /** Any 429 in the window, the overshoot's included. */
    windowAnyRejection = false;
    windowPermits = 0;
    /** When the current run of round trips at limit + 1 without a 429 began. */
    overshootQuietSince = undefined;
    windowSaturated = false;
    windowLimit = 0;
    /** The highest limit that a whole round trip ran at, fully used, without a 429. */
    lastGoodLimit = undefined;
    lastDecreaseAt = Number.NEGATIVE_INFINITY;
    quietWindows = 0;
    probeStep = 1;
    probeDelay = QUIET_WINDOWS_BEFORE_PROBE;
    probing = false;
    lastProbeAt = Number.NEGATIVE_INFINITY;
    /** The limit before the probe in progress raised it. */
    probeBase = 0;
    probeSuccesses = 0;
    rejections = 0;
    decreases = 0;
    constructor(options) {
        this.options = options;
        this.currentLimit = clamp(options.initial, options.min, options.max);
        this.phase = options.learned ? "steady" : "start";
    }
    get limit() {
        return this.currentLimit;
    }
    /** The limit without a probe in progress: what has held, and what is worth remembering. */
    get settledLimit() {
        return this.probing ? Math.min(this.probeBase, this.currentLimit) : this.currentLimit;
    }
    /** Requests allowed in flight: the limit, plus the overshoot when a 429 is cheap. */
    get permits() {
        return Math.min(this.options.max, this.currentLimit + this.overshoot);
    }
    get overshoot() {
        return this.phase === "steady" && this.rejectionIsCheap ? 1 : 0;
    }
    get rejectionIsCheap() {
        return this.rejectionRtts.length > 0 && this.rejectionRttMs * CHEAP_REJECTION_RATIO < this.smoothedRtt;
    }
    /**
     * How long a 429's slot stays taken before it is used again: long enough that one slot's 429s
     * stay below a tenth of the successes (at most limit/RTT a second, fewer where answers fail),
     * short enough to catch a gap.
     */
    get rejectionPauseMs() {
        return Math.max(1, this.smoothedRtt / 5, (12 * this.smoothedRtt) / this.currentLimit);
    }
    /** One round trip, the pace of every decision (at least a millisecond). */
    get roundTripMs() {
        return Math.max(1, this.smoothedRtt);
    }
    /**
     * An answer that the upstream accepted (200, 500, malformed): it measured a round trip.
     * `limitWasFull` says whether every permit was in use while it was out, i.e. whether the limit
     * was what held us back.
     */
    onAccepted(now, rttMs, limitWasFull) {
        this.smoothedRtt = this.smoothedRtt === 0 ? rttMs : this.smoothedRtt * 0.875 + rttMs * 0.125;
        this.windowRttSum += rttMs;
        this.windowRttCount += 1;
        if (limitWasFull)
            this.windowSaturated = true;
        this.advanceWindow(now);
        // Grow only when the limit is what we hit; an idle limit says nothing about C.
        if (this.phase === "start" && limitWasFull && !this.guardHolds()) {
            this.currentLimit = Math.min(this.options.max, this.currentLimit + 1);
        }
    }
    /**
     * A 429, `rttMs` after it was sent, when `inFlightAtSend` of our requests (itself included)
     * were in flight, and `inFlightAtAnswer` when it came back.
     */
    onRejected(now, rttMs, inFlightAtSend, inFlightAtAnswer) {
        this.rejections += 1;
        this.rejectionRtts[this.nextRejectionRtt] = rttMs;
        this.nextRejectionRtt = (this.nextRejectionRtt + 1) % REJECTION_RTT_SAMPLES;
        const sorted = [...this.rejectionRtts].sort((a, b) => a - b);
        this.rejectionRttMs = sorted[Math.floor(sorted.length / 2)];
        this.advanceWindow(now);
        this.windowAnyRejection = true;
        // What the upstream held when it refused were our requests in flight at that moment. Requests
        // sent together can arrive out of order over different connections (one still being opened),
        // so the count at the send alone can fall short; a 429 that came back well before an answer
        // could have (not held by the upstream) saw about the count at its answer too.
        const answeredAtOnce = rttMs * 2 < this.roundTripMs;
        const inFlightWhenRefused = answeredAtOnce ? Math.max(inFlightAtSend, inFlightAtAnswer) : inFlightAtSend;
        // The overshoot's own request: a 429 was expected, it says nothing new about C.
        if (this.phase === "steady" && inFlightWhenRefused > this.currentLimit)
            return;
        this.windowRejected = true;
        if (this.probing && !this.rejectionIsCheap) {
            this.probeDelay = Math.min(this.probeDelay * 2, MOST_QUIET_WINDOWS_BEFORE_PROBE);
        }
        this.probing = false;
        this.probeSuccesses = 0;
        this.quietWindows = 0;
        this.probeStep = 1;
        // A burst of 429s within one round trip of a decrease is the same signal.
        if (now - this.lastDecreaseAt < this.roundTripMs)
            return;
        const estimate = clamp(inFlightWhenRefused - 1, this.options.min, this.options.max);
        const probeFailed = this.phase === "steady" &&
            this.lastGoodLimit !== undefined &&
            this.lastGoodLimit < this.currentLimit &&
            estimate >= this.lastGoodLimit - 1;
        const next = probeFailed ? this.lastGoodLimit : estimate;
        if (next < this.currentLimit) {
            this.currentLimit = next;
            this.decreases += 1;
            this.lastDecreaseAt = now;
            if (!probeFailed)
                this.lastGoodLimit = undefined;
        }
        this.phase = "steady";
    }
    snapshot() {
        return {
            limit: this.currentLimit,
            settledLimit: this.settledLimit,
            permits: this.permits,
            phase: this.phase,
            smoothedRttMs: this.smoothedRtt,
            baselineRttMs: Number.isFinite(this.baselineRtt) ? this.baselineRtt : 0,
            rejections: this.rejections,
            decreases: this.decreases
        };
    }
    guardHolds() {
        return Number.isFinite(this.baselineRtt) && this.smoothedRtt > HOLD_RATIO * this.baselineRtt + 1;
    }
    /** Closes the round-trip window when its time is up and decides what the window says. */
    advanceWindow(now) {
        if (now < this.windowEndsAt)
            return;
        if (this.windowRttCount > 0) {
            const mean = this.windowRttSum / this.windowRttCount;
            // The best window seen, drifting up slowly so that a lasting change of L is accepted.
            const drifted = this.baselineRtt * 1.002;
            if (mean <= drifted)
                this.baselineLimit = this.windowLimit;
            this.baselineRtt = Math.min(mean, drifted);
            // Shrink only when the inflation lasts (the smoothed RTT agrees): one slow window is a GC
            // pause or a burst, not a bottleneck.
            if (mean > SHRINK_RATIO * this.baselineRtt + 2 && this.smoothedRtt > HOLD_RATIO * this.baselineRtt + 1) {
                // ...but never below the concurrency that the best round trips were seen at: more requests
                // in flight did not help, fewer than that would only leave the upstream idle.
                const floor = Math.max(this.options.min, this.baselineLimit);
                if (this.currentLimit > floor)
                    this.currentLimit = Math.max(floor, Math.floor(this.currentLimit * 0.9));
                this.quietWindows = 0;
                this.probeStep = 1;
            }
            else if (this.phase === "steady" && !this.windowRejected && now - this.lastDecreaseAt >= this.roundTripMs) {
                this.quietWindows += 1;
                // The overshoot is a standing probe: round trips at limit + 1 without one 429 mean C has
                // risen at least that far. At least two of them, and long enough for the overshoot's
                // pauses after its 429s to have ended several times over.
                const overshootQuiet = !this.probing && this.windowPermits > this.windowLimit && this.windowSaturated && !this.windowAnyRejection;
                if (!overshootQuiet)
                    this.overshootQuietSince = undefined;
                else if (this.overshootQuietSince === undefined)
                    this.overshootQuietSince = now;
                const overshootHeld = this.overshootQuietSince !== undefined &&
                    now - this.overshootQuietSince >= Math.max(this.roundTripMs, 4 * this.rejectionPauseMs);
                if (overshootHeld)
                    this.overshootQuietSince = undefined;
                if ((this.probing && this.windowSaturated) || overshootHeld) {
                    // The probed level held for a whole round trip: probe again now, or start fast again.
                    if (overshootHeld)
                        this.currentLimit = Math.min(this.options.max, this.windowPermits);
                    this.probing = false;
                    this.probeDelay = QUIET_WINDOWS_BEFORE_PROBE;
                    this.probeSuccesses += 1;
                    this.quietWindows = this.probeDelay + 1;
                    if (this.probeSuccesses >= 2) {
                        this.phase = "start";
                        this.probeSuccesses = 0;
                        this.probeStep = 1;
                    }
                }
                if (this.phase === "steady" &&
                    !this.probing &&
                    this.quietWindows > this.probeDelay &&
                    now - this.lastProbeAt >= MIN_PROBE_INTERVAL_MS &&
                    mean <= HOLD_RATIO * this.baselineRtt + 1) {
                    this.probeBase = this.currentLimit;
                    this.lastProbeAt = now;
                    this.currentLimit = Math.min(this.options.max, this.currentLimit + this.probeStep);
                    this.probeStep *= 2;
                    this.probing = true;
                }
            }
        }
        if (!this.windowRejected && this.windowSaturated && this.windowRttCount > 0) {
            const level = Math.min(this.windowLimit, this.currentLimit);
            if (this.lastGoodLimit === undefined || level > this.lastGoodLimit)
                this.lastGoodLimit = level;
        }
        this.windowRttSum = 0;
        this.windowRttCount = 0;
        this.windowRejected = false;
        this.windowAnyRejection = false;
        this.windowSaturated = false;
        this.windowLimit = this.currentLimit;
        this.windowPermits = this.permits;
        this.windowEndsAt = now + this.roundTripMs;
    }
}
const clamp = (value, min, max) => Math.max(min, Math.min(max, Math.round(value)));
