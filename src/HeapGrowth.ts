import { setFlagsFromString } from "node:v8"

/** How far V8 lets the old generation grow past what the last major GC kept, in percent. */
export const HEAP_GROWING_PERCENT = 50

/**
 * Caps the old generation's growth between major GCs at HEAP_GROWING_PERCENT of what the last one
 * kept, unless `--heap-growing-percent` was given to node. V8's own factor (up to 4×) let a service
 * whose live heap is ~60 MiB swing between 148 and 284 MiB of RSS under load. At 50 % a 5-minute soak
 * kept RSS within 150–165 MiB with the same successes per second (docs/SOAK.md). 20 % held RSS as
 * flat but, over 30 minutes, the more frequent major GCs doubled the tails: POST /runs p99 28 ms
 * against 10 ms at 50 %.
 */
export const capHeapGrowth = (): void => {
  if (process.execArgv.some((flag) => flag.startsWith("--heap-growing-percent"))) return
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`)
}
