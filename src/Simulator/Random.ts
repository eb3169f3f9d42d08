/** mulberry32: a small, fast PRNG, so that a seed makes a simulator's answers repeatable. */
export const seededRandom = (seed: number): (() => number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

export type LatencyShape = {
  readonly distribution: "uniform" | "lognormal"
  /** The usual mean latency, and its jitter: the half-width (uniform) or the standard deviation (lognormal). */
  readonly latencyMs: number
  readonly jitterMs: number
}

/**
 * A latency sampler around a given mean: uniform within ± jitter, or lognormal whose spread is set by jitter
 * against the usual latency (a long tail, the mean unchanged). Other means (slower 504s) keep that shape.
 */
export const latencySampler = (shape: LatencyShape, random: () => number) => {
  // A standard normal sample (Box-Muller).
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
  const sigma = shape.latencyMs > 0 ? Math.sqrt(Math.log(1 + (shape.jitterMs / shape.latencyMs) ** 2)) : 0
  return (mean: number): number => {
    if (shape.distribution === "lognormal" && mean > 0) {
      return Math.exp(Math.log(mean) - (sigma * sigma) / 2 + sigma * normal())
    }
    return Math.max(0, mean + (random() * 2 - 1) * shape.jitterMs)
  }
}
