import { numberParam } from "./QueryParams.js";
/** A long poll holds a request at most this long; a longer `wait` is cut to it. */
export const MAX_WAIT_SECONDS = 30;
export const WaitSeconds = numberParam({
    name: "wait",
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    whole: false,
    rule: `a number of seconds, 0 or more (waits longer than ${MAX_WAIT_SECONDS} s are cut to ${MAX_WAIT_SECONDS} s)`
});
