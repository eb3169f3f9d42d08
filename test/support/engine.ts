import { type Effect, Layer } from "effect"
import { engineOn, upstreamOf } from "../../src/App.js"
import { AppConfig, type AppConfigShape } from "../../src/Config.js"
import type { RunId } from "../../src/Domain/RunId.js"
import type { AttemptFailed } from "../../src/Upstream/AttemptFailed.js"
import { testConfig } from "./config.js"

/**
 * The real engine on a real in-memory SQLite store, with the upstream replaced by an attempt
 * that runs on the test's clock, so TestClock decides when answers arrive.
 */
export const engineWith = (
  attempt: (runId: RunId, signal: AbortSignal) => Effect.Effect<number, AttemptFailed>,
  overrides: Partial<AppConfigShape> = {}
) =>
  engineOn(upstreamOf(attempt, new URL("http://upstream.test/"))).pipe(
    Layer.provideMerge(AppConfig.layer(testConfig(overrides)))
  )
