import { executedSeconds, successesPerSecond } from "./RunOutput.js";
const CLEAR_LINE = "\r\x1b[2K";
const BAR_WIDTH = 24;
const bar = (fraction, width) => {
    const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
    return "█".repeat(filled) + "░".repeat(width - filled);
};
/** One line that describes a run's progress, fitted to `columns`. */
export const progressLine = (run, now, columns) => {
    if (run.status === "PENDING")
        return `run ${run.id}  PENDING: waiting for a free slot…`.slice(0, columns - 1);
    const elapsed = executedSeconds(run, now);
    const remaining = Math.max(0, run.seconds - elapsed);
    const figures = ` ${elapsed.toFixed(1)}/${run.seconds}s  ${remaining.toFixed(1)}s left` +
        `  ${run.successful_responses_count.toLocaleString("en-US")} successes  sum ${run.sum.toLocaleString("en-US")}` +
        `  ${successesPerSecond(run, now).toFixed(0)}/s`;
    return `[${bar(elapsed / run.seconds, BAR_WIDTH)}]${figures}`.slice(0, columns - 1);
};
/** A progress bar redrawn in place on a terminal. */
export const makeProgressBar = (stream) => ({
    draw: (run) => void stream.write(CLEAR_LINE + progressLine(run, Date.now(), stream.columns ?? 80)),
    clear: () => void stream.write(CLEAR_LINE)
});
