/**
 * Draws a `bench:timeline` case as an SVG (no dependencies): the upstream's C, the service's
 * limit, what the upstream held, and the 429s and successes per bucket.
 */
export interface TimelineBucket {
  readonly atMs: number
  /** The upstream's C in this bucket. */
  readonly limit: number
  /** Accepted requests the upstream held, sampled five times in the bucket. */
  readonly held: ReadonlyArray<number>
  readonly arrivals: number
  readonly rejected: number
  readonly successes: number
  /** The service's limit (its gauge) at the bucket's end, when a scrape answered. */
  readonly serviceLimit: number | undefined
  readonly lagMaxMs: number
}

const WIDTH = 900
const HEIGHT = 420
const MARGIN = { left: 56, right: 64, top: 44, bottom: 64 }

const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

export const timelineSvg = (title: string, bucketMs: number, buckets: ReadonlyArray<TimelineBucket>): string => {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom
  const endMs = buckets.length * bucketMs
  const concurrencyMax =
    Math.ceil((Math.max(1, ...buckets.flatMap((b) => [b.limit, ...b.held, b.serviceLimit ?? 0])) * 1.15) / 10) * 10
  const countMax = Math.max(1, ...buckets.map((b) => Math.max(b.successes, b.rejected)))
  const x = (ms: number) => MARGIN.left + (ms / endMs) * plotWidth
  const y = (value: number) => MARGIN.top + plotHeight - (value / concurrencyMax) * plotHeight
  const yCount = (value: number) => MARGIN.top + plotHeight - (value / countMax) * plotHeight * 0.45
  const parts: Array<string> = []

  // Successes (grey) and 429s (red) per bucket, on the right-hand axis, drawn first (behind).
  const barWidth = Math.max(1, (plotWidth / buckets.length) * 0.42)
  for (const bucket of buckets) {
    const left = x(bucket.atMs) + 1
    parts.push(
      `<rect x="${left.toFixed(1)}" y="${yCount(bucket.successes).toFixed(1)}" width="${barWidth.toFixed(1)}" ` +
        `height="${(MARGIN.top + plotHeight - yCount(bucket.successes)).toFixed(1)}" fill="#c9ced6"/>`
    )
    if (bucket.rejected > 0) {
      parts.push(
        `<rect x="${(left + barWidth).toFixed(1)}" y="${yCount(bucket.rejected).toFixed(1)}" width="${barWidth.toFixed(1)}" ` +
          `height="${(MARGIN.top + plotHeight - yCount(bucket.rejected)).toFixed(1)}" fill="#e05a4f"/>`
      )
    }
  }
  // What the upstream held (five samples a bucket), C, and the service's limit.
  const held = buckets.flatMap((b) => b.held.map((value, i) => `${x(b.atMs + ((i * 2 + 1) / 10) * bucketMs).toFixed(1)},${y(value).toFixed(1)}`))
  parts.push(`<polyline points="${held.join(" ")}" fill="none" stroke="#2f6fdb" stroke-width="1.5"/>`)
  const step = (values: ReadonlyArray<number | undefined>) => {
    const points: Array<string> = []
    values.forEach((value, i) => {
      if (value === undefined) return
      points.push(`${x(i * bucketMs).toFixed(1)},${y(value).toFixed(1)}`, `${x((i + 1) * bucketMs).toFixed(1)},${y(value).toFixed(1)}`)
    })
    return points.join(" ")
  }
  parts.push(`<polyline points="${step(buckets.map((b) => b.limit))}" fill="none" stroke="#111" stroke-width="2" stroke-dasharray="6 4"/>`)
  parts.push(`<polyline points="${step(buckets.map((b) => b.serviceLimit))}" fill="none" stroke="#e08a1e" stroke-width="2"/>`)

  // Axes, ticks and labels.
  const axis: Array<string> = []
  axis.push(`<line x1="${MARGIN.left}" y1="${MARGIN.top + plotHeight}" x2="${MARGIN.left + plotWidth}" y2="${MARGIN.top + plotHeight}" stroke="#333"/>`)
  axis.push(`<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${MARGIN.top + plotHeight}" stroke="#333"/>`)
  const timeStep = endMs > 4_000 ? 1_000 : 500
  for (let ms = 0; ms <= endMs; ms += timeStep) {
    axis.push(`<line x1="${x(ms)}" y1="${MARGIN.top + plotHeight}" x2="${x(ms)}" y2="${MARGIN.top + plotHeight + 5}" stroke="#333"/>`)
    axis.push(`<text x="${x(ms)}" y="${MARGIN.top + plotHeight + 18}" text-anchor="middle">${(ms / 1000).toFixed(1)} s</text>`)
  }
  for (let value = 0; value <= concurrencyMax; value += concurrencyMax > 100 ? 20 : 10) {
    axis.push(`<line x1="${MARGIN.left - 5}" y1="${y(value)}" x2="${MARGIN.left + plotWidth}" y2="${y(value)}" stroke="#eee"/>`)
    axis.push(`<text x="${MARGIN.left - 8}" y="${y(value) + 4}" text-anchor="end">${value}</text>`)
  }
  axis.push(`<text x="${WIDTH - MARGIN.right + 8}" y="${yCount(countMax) + 4}">${countMax}</text>`)
  axis.push(`<text x="${WIDTH - MARGIN.right + 8}" y="${yCount(0) + 4}">0</text>`)
  axis.push(`<text x="${WIDTH - MARGIN.right + 8}" y="${yCount(countMax / 2) + 4}">per ${bucketMs} ms</text>`)
  axis.push(`<text x="14" y="${MARGIN.top + plotHeight / 2}" transform="rotate(-90 14 ${MARGIN.top + plotHeight / 2})" text-anchor="middle">requests in flight</text>`)
  const legend = [
    ["#111", "C (upstream)", "6 4"],
    ["#e08a1e", "service's limit", ""],
    ["#2f6fdb", "held by the upstream", ""],
    ["#c9ced6", "successes", ""],
    ["#e05a4f", "429s", ""]
  ] as const
  legend.forEach(([color, label, dash], i) => {
    const left = MARGIN.left + i * 165
    const top = HEIGHT - 18
    axis.push(`<line x1="${left}" y1="${top - 4}" x2="${left + 22}" y2="${top - 4}" stroke="${color}" stroke-width="${i >= 3 ? 8 : 2}"${dash === "" ? "" : ` stroke-dasharray="${dash}"`}/>`)
    axis.push(`<text x="${left + 28}" y="${top}">${escape(label)}</text>`)
  })
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${MARGIN.left}" y="24" font-size="15" font-weight="bold">${escape(title)}</text>`,
    ...parts,
    ...axis,
    "</svg>",
    ""
  ].join("\n")
}
