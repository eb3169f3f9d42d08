import { readFileSync } from "node:fs"
import { Command, ValidationError } from "@effect/cli"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Runtime } from "@effect/platform"
import { Effect } from "effect"
import { getCommand, listCommand, runCommand } from "./Cli/ClientCommands.js"
import { serveCommand, simulatorCommand } from "./Cli/ServerCommands.js"
import { withTerminalConsole } from "./Cli/TerminalConsole.js"

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }

const faultyRuns = Command.make("faulty-runs").pipe(
  Command.withDescription("Timed runs against an unreliable upstream: the service, its simulator, and a client"),
  Command.withSubcommands([serveCommand, simulatorCommand, runCommand, getCommand, listCommand])
)

const cli = Command.run(faultyRuns, { name: "faulty-runs", version })

// Exit codes: 0 done, 1 the command failed (its reason on stderr), 2 a usage error.
cli(process.argv).pipe(
  withTerminalConsole,
  // @effect/cli has already printed what was wrong with the command line.
  Effect.catchIf(ValidationError.isValidationError, () => Effect.sync(() => void (process.exitCode = 2))),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain({
    disablePrettyLogger: true,
    // Exit as soon as the command is done: an idle keep-alive socket of fetch's pool would otherwise keep
    // the process alive until the server closes it. Writes to stdout and stderr are synchronous on Linux.
    teardown: (exit, onExit) => Runtime.defaultTeardown(exit, (code) => {
      onExit(code)
      // On success, the exit code the command set (1 or 2 for a failure it reported).
      process.exit(code === 0 ? (process.exitCode ?? 0) : code)
    })
  })
)
