import { readFileSync } from "node:fs"
import { Command, ValidationError } from "@effect/cli"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import { Runtime } from "@effect/platform"
import { Effect, Layer } from "effect"
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
  // What @effect/cli needs, not all of NodeContext: its worker manager and command executor would load
  // node:child_process and build WorkerError's Cause schemas at start-up (about 15 ms of every command).
  Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeTerminal.layer)),
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
