import { Schema } from "effect"
import { stringifyExact } from "../Domain/ExactJson.js"
import { RunView } from "../Domain/Run.js"
import type { RunPage } from "../Domain/RunListing.js"

const encodeRunView = Schema.encodeSync(RunView)

/** The run exactly as GET /runs/{id} writes it (`sum` a JSON integer of any size). */
export const runJson = (run: RunView) => stringifyExact({ ...encodeRunView(run), sum: run.sum })

export const pageJson = (page: RunPage) =>
  stringifyExact({ runs: page.runs.map((run) => ({ ...encodeRunView(run), sum: run.sum })), next_cursor: page.next_cursor })

/**
 * What `value.toLocaleString("en-US")` prints for an integer (1,234,567), without it: the first
 * toLocaleString of a process loads ICU's number formatting, about 30 ms of a CLI command.
 */
export const grouped = (value: bigint | number) => {
  if (typeof value === "number" && (!Number.isSafeInteger(value) || Object.is(value, -0))) return value.toLocaleString("en-US")
  const digits = (value < 0 ? -value : value).toString()
  return (value < 0 ? "-" : "") + digits.replace(/\B(?=(\d{3})+$)/g, ",")
}

/** Seconds the run has been executing, from its own times (a finished run: its whole window). */
export const executedSeconds = (run: RunView, now: number) => {
  if (run.started_at === null) return 0
  const end = run.finished_at ?? run.ends_at ?? new Date(now)
  const until = Math.min(now, end.getTime(), run.ends_at?.getTime() ?? Number.POSITIVE_INFINITY)
  return Math.max(0, (until - run.started_at.getTime()) / 1000)
}

export const successesPerSecond = (run: RunView, now: number) => {
  const seconds = executedSeconds(run, now)
  return seconds > 0 ? run.successful_responses_count / seconds : 0
}

export const runText = (run: RunView) => {
  const rate = successesPerSecond(run, Date.now())
  const lines = [
    `run ${run.id}  ${run.status}`,
    `  seconds               ${run.seconds}`,
    `  successful responses  ${grouped(run.successful_responses_count)}`,
    `  sum                   ${grouped(run.sum)}`,
    `  successes per second  ${rate.toFixed(1)}`,
    `  created               ${run.created_at.toISOString()}`
  ]
  if (run.started_at !== null) lines.push(`  started               ${run.started_at.toISOString()}`)
  if (run.finished_at !== null) lines.push(`  finished              ${run.finished_at.toISOString()}`)
  return lines.join("\n")
}

const toSecond = (date: Date) => date.toISOString().slice(0, 19) + "Z"

export const pageText = (page: RunPage) => {
  const header = ["ID".padEnd(26), "STATUS".padEnd(11), "SECONDS", "SUCCESSES", "SUM".padStart(15), "CREATED"]
  const rows = page.runs.map((run) =>
    [
      run.id,
      run.status.padEnd(11),
      String(run.seconds).padStart(7),
      String(run.successful_responses_count).padStart(9),
      run.sum.toString().padStart(15),
      toSecond(run.created_at)
    ].join("  ")
  )
  const more = page.next_cursor === null ? [] : [`more: faulty-runs list --cursor ${page.next_cursor}`]
  return [header.join("  "), ...rows, ...more].join("\n")
}
