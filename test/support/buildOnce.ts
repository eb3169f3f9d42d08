// @ts-expect-error: a plain ES module of the build, without types
import { build, staleReason } from "../../scripts/build.mjs"

/** vitest globalSetup: builds dist/ when it does not match the sources, once per test run. */
export default async function setup() {
  if ((staleReason() as string | undefined) !== undefined) await build()
}
