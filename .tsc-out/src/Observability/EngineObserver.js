import { Context } from "effect";
const ignore = () => { };
export const silentObserver = {
    runCreated: ignore,
    runRefused: ignore,
    runStarted: ignore,
    runFinished: ignore,
    attemptEnded: ignore,
    successCounted: ignore,
    lateResponseDropped: ignore
};
/**
 * A reference rather than a required service: engines built without metrics (unit tests, the
 * limiter simulation, benchmarks) get the silent observer and need no extra wiring.
 */
export class EngineObserver extends Context.Reference()("faulty-runs/EngineObserver", {
    defaultValue: () => silentObserver
}) {
}
