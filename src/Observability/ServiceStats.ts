import { ServiceStats } from "../Domain/System.js"
import type { RunTotals } from "../Store/RunStore.js"
import { ATTEMPT_OUTCOMES, type UpstreamTotals } from "./Metrics.js"

/** The `/stats` answer: the runs' totals (saved, live for runs executing here) and this process's upstream attempts since `since`. */
export const serviceStats = (totals: RunTotals, upstream: UpstreamTotals, since: number): ServiceStats => {
  const { abandoned, ...ended } = upstream.attempts
  const endedCount = Object.values(ended).reduce((sum, count) => sum + count, 0)
  const { PENDING, IN_PROGRESS, FINISHED } = totals.byStatus
  return new ServiceStats({
    runs: {
      PENDING: PENDING.runs,
      IN_PROGRESS: IN_PROGRESS.runs,
      FINISHED: FINISHED.runs,
      total: PENDING.runs + IN_PROGRESS.runs + FINISHED.runs
    },
    successful_responses_count: PENDING.successes + IN_PROGRESS.successes + FINISHED.successes,
    finished_runs_mean_successes_per_second: totals.finishedMeanSuccessesPerSecond,
    upstream: {
      since: new Date(since),
      attempts: endedCount + abandoned,
      attempts_by_outcome: Object.fromEntries(ATTEMPT_OUTCOMES.map((outcome) => [outcome, upstream.attempts[outcome]])),
      successes: upstream.successes,
      late_responses: upstream.lateResponses,
      // Abandoned attempts are left out: they ended without an answer of the upstream's.
      success_share: endedCount === 0 ? null : upstream.attempts["200"] / endedCount
    }
  })
}
