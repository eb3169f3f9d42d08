import { Clock, Duration, Effect, Exit, Option, Schedule } from "effect"
import { UpstreamConfig } from "./UpstreamConfig.js"
import { EngineObserver } from "../Observability/EngineObserver.js"
import { LimitStore } from "../Store/LimitStore.js"
import { AdaptiveLimit, type LimitSnapshot } from "./AdaptiveLimit.js"
import type { AttemptFailed } from "./AttemptFailed.js"
import { FairSlots } from "./FairSlots.js"
import { UpstreamTarget } from "./UpstreamTarget.js"

export interface LimiterSnapshot extends LimitSnapshot {
  readonly mode: "auto" | "fixed"
  readonly inFlight: number
}

const SAVE_EVERY = Duration.seconds(5)
const ABANDONED_HELD_ROUND_TRIPS = 1.5
const FIXED_LIMIT_REJECTION_PAUSE_MS = 1

/**
 * How many upstream requests may be in flight at once, shared by every run of the process and
 * handed to runs in turn (FairSlots). With UPSTREAM_CONCURRENCY=auto the number is learned from
 * the upstream's answers (AdaptiveLimit) and kept in the database for the next start.
 */
export class UpstreamLimiter extends Effect.Service<UpstreamLimiter>()("faulty-runs/UpstreamLimiter", {
  scoped: Effect.gen(function* () {
    const config = yield* UpstreamConfig
    const store = yield* LimitStore
    const upstream = (yield* UpstreamTarget).href
    const clock = yield* Effect.clock
    const observer = yield* EngineObserver
    const fixed = config.upstreamConcurrency !== "auto"
    const learned = fixed ? Option.none<number>() : yield* store.load(upstream)
    const limit = new AdaptiveLimit({
      initial: config.upstreamConcurrency === "auto" ? Option.getOrElse(learned, () => config.upstreamInitialConcurrency) : config.upstreamConcurrency,
      min: 1,
      max: config.maxInFlight,
      learned: Option.isSome(learned)
    })
    const slots = new FairSlots(limit.permits)
    const nowMs = () => Number(clock.unsafeCurrentTimeNanos()) / 1e6

    const pending = new Set<number>()
    let sequence = 0
    // Requests abandoned at a run's end (or shutdown): the upstream still holds them until their
    // answer is due, so they still count as in flight until then (when each is expected to end, in
    // ms). Otherwise the other runs' next 429 would read C as that much lower.
    let abandoned: Array<number> = []
    const inFlightNow = (now: number) => {
      if (abandoned.length > 0) abandoned = abandoned.filter((endsAt) => endsAt > now)
      return pending.size + abandoned.length
    }

    /** What the limiter notes at a send, to judge the answer by. */
    interface Sent {
      readonly id: number
      readonly at: number
      readonly inFlight: number
    }
    const noteSend = (): Sent => {
      const id = ++sequence
      const at = nowMs()
      pending.add(id)
      const inFlight = inFlightNow(at)
      if (!fixed) {
        limit.onSent(at, inFlight)
        slots.resize(limit.permits)
      }
      return { id, at, inFlight }
    }

    /** Learns from an attempt's end; answers how long its slot stays taken before it is used again (ms). */
    const learn = (sent: Sent, exit: Exit.Exit<unknown, AttemptFailed>): number => {
      // Whether every permit is taken as this answer comes (itself included), i.e. the limit holds
      // us back. Not also at its send: answers read in one batch leave the count at a send above
      // what the upstream holds, and growing on it drew two to three times as many 429s (measured).
      const now = nowMs()
      const inFlightAtAnswer = inFlightNow(now)
      const limitWasFull = inFlightAtAnswer >= limit.permits
      pending.delete(sent.id)
      // Its answer is due about a round trip after its send, later if its latency is long: counted
      // too long, it costs a cheap 429 that corrects the limit; too short, a slot for a round trip.
      if (Exit.isInterrupted(exit)) abandoned.push(sent.at + ABANDONED_HELD_ROUND_TRIPS * limit.roundTripMs)
      observer.attemptEnded(exit, now - sent.at, now)
      if (exit._tag === "Success") {
        if (!fixed) limit.onAccepted(now, now - sent.at, limitWasFull)
      } else if (exit.cause._tag === "Fail") {
        const { outcome } = exit.cause.error
        // After an expensive 429 the slot stays taken for a moment: an upstream that is full now is
        // full a moment later too, and the pause bounds how many 429s one slot can draw. A fixed
        // limit does not follow the 429s, so nothing else keeps a refused slot from retrying in a
        // tight loop: it waits a moment, as it always has.
        if (fixed) return outcome === "429" ? FIXED_LIMIT_REJECTION_PAUSE_MS : 0
        if (outcome === "429") limit.onRejected(now, now - sent.at, sent.inFlight, inFlightAtAnswer)
        // 500 and 504 are random faults, not overload: they never move the limit. A 504's slower
        // answer would only blur the round trip, so only 500s and bad bodies measure it.
        else if (outcome === "500" || outcome === "malformed" || outcome === "status") {
          limit.onAccepted(now, now - sent.at, limitWasFull)
        }
        slots.resize(limit.permits)
        return outcome === "429" ? limit.rejectionPauseMs : 0
      }
      if (!fixed) slots.resize(limit.permits)
      return 0
    }

    const releaseSlot = Effect.sync(() => slots.release())

    /**
     * One attempt in a slot of the shared limit: waits for the slot (in turn with the other runs),
     * learns from the answer, then frees the slot. Built once per run and run for every attempt,
     * so an attempt allocates only what it must (its Sent record and two continuations). The
     * attempt runs interruptible, whatever the caller's region.
     */
    const withSlot = <A, R>(runId: string, attempt: Effect.Effect<A, AttemptFailed, R>): Effect.Effect<A, AttemptFailed, R> => {
      const interruptibleAttempt = Effect.interruptible(attempt)
      const measured = Effect.suspend(() => {
        const sent = noteSend()
        return Effect.matchCauseEffect(interruptibleAttempt, {
          onSuccess: (value) => {
            learn(sent, Exit.succeed(value))
            slots.release()
            return Effect.succeed(value)
          },
          onFailure: (cause) => {
            const pauseMs = learn(sent, Exit.failCause(cause))
            if (pauseMs <= 0) {
              slots.release()
              return Effect.failCause(cause)
            }
            return Effect.interruptible(Effect.sleep(Duration.millis(pauseMs))).pipe(
              Effect.ensuring(releaseSlot),
              Effect.zipRight(Effect.failCause(cause))
            )
          }
        })
      })
      return Effect.uninterruptible(
        Effect.suspend(() => (slots.tryTake() ? measured : Effect.zipRight(Effect.interruptible(slots.waitFor(runId)), measured)))
      )
    }

    if (!fixed) {
      let saved = Option.getOrElse(learned, () => 0)
      const save = Effect.suspend(() => {
        const current = limit.settledLimit
        if (current === saved || limit.snapshot().phase === "start") return Effect.void
        saved = current
        return Effect.flatMap(Clock.currentTimeMillis, (at) => store.save(upstream, current, at))
      })
      yield* Effect.addFinalizer(() => save)
      yield* save.pipe(Effect.repeat(Schedule.spaced(SAVE_EVERY)), Effect.forkScoped)
    }

    return {
      /** Requests that may be in flight now, over all runs. */
      permits: () => slots.capacity,
      withSlot,
      roundTripMs: () => limit.roundTripMs,
      othersWaiting: (runId: string) => slots.othersWaiting(runId),
      snapshot: (): LimiterSnapshot => ({ ...limit.snapshot(), mode: fixed ? "fixed" : "auto", inFlight: pending.size })
    } as const
  })
}) {}
