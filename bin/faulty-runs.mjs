#!/usr/bin/env node
// Runs the built CLI (dist/cli.mjs), building it first when the sources changed since the last build.
import { build, staleReason } from "../scripts/build.mjs"

const reason = staleReason()
if (reason !== undefined) {
  process.stderr.write(`faulty-runs: building dist/ first (${reason})\n`)
  await build().catch((error) => {
    process.stderr.write(`faulty-runs: the build failed (${error.message}); run npm run build\n`)
    process.exit(1)
  })
}
await import("../dist/cli.mjs")
