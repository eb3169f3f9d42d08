import { Args, Command, Options } from "@effect/cli"
import { Console, Context, Duration, Effect, Layer, Logger, LogLevel, Option, type Scope, Stream } from "effect"
import type { RunsClient } from "../Client/RunsClient.js"
import { makeProgressBar } from "./ProgressBar.js"
import { pageJson, pageText, runJson, runText } from "./RunOutput.js"

const url = Options.text("url").pipe(
  Options.withDescription("The service's base URL (default: $FAULTY_RUNS_URL, else http://127.0.0.1:8080)"),
  Options.optional
)
const json = Options.boolean("json").pipe(Options.withDescription("Print JSON (sum an exact integer) instead of text"))

const baseUrlOf = (flag: Option.Option<string>) =>
  Option.getOrElse(flag, () => process.env["FAULTY_RUNS_URL"] ?? "http://127.0.0.1:8080")

/** Runs `use` with a client of `baseUrl`; its failures are printed on stderr, with exit code 1. */
const withClient = <A, E extends { readonly message: string }>(
  baseUrl: Effect.Effect<string, E, Scope.Scope>,
  use: (client: RunsClient) => Effect.Effect<A, E>
) =>
  Effect.gen(function* () {
    // Loaded on use, so that --help and a usage error do not load the HTTP client.
    const { RunsClient } = yield* Effect.promise(() => import("../Client/RunsClient.js"))
    const context = yield* Layer.build(RunsClient.layer({ baseUrl: yield* baseUrl }))
    return yield* use(Context.get(context, RunsClient))
  }).pipe(
    Effect.scoped,
    Effect.catchAll((error) =>
      Effect.sync(() => {
        process.stderr.write(`faulty-runs: ${error.message}\n`)
        process.exitCode = 1
      })
    ),
    // Logs of a --local service would mix with the results: only its warnings, on stderr.
    Effect.provide(Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.logfmtLogger))),
    Logger.withMinimumLogLevel(LogLevel.Warning)
  )

export const runCommand = Command.make(
  "run",
  {
    seconds: Options.integer("seconds").pipe(Options.withDescription("The run's lifetime: 1 to 86400")),
    url,
    local: Options.boolean("local").pipe(
      Options.withDescription("Start a service in this process (bundled simulator, in-memory database) and run there")
    ),
    idempotencyKey: Options.text("idempotency-key").pipe(
      Options.withDescription("Makes the command safe to repeat: the same key returns the same run for 24 h"),
      Options.optional
    ),
    json
  },
  (options) =>
    withClient(
      options.local
        ? Effect.mapError(
            Effect.flatMap(
              Effect.promise(() => import("./LocalService.js")),
              ({ localService }) => localService
            ),
            (error) => ({
              message: `cannot start a local service: ${typeof error === "string" ? error : error.message}`
            })
          )
        : Effect.succeed(baseUrlOf(options.url)),
      (client) =>
        Effect.gen(function* () {
          const created = yield* client.createRun(options.seconds, {
            ...Option.match(options.idempotencyKey, { onNone: () => ({}), onSome: (idempotencyKey) => ({ idempotencyKey }) })
          })
          if (process.stderr.isTTY) {
            const bar = makeProgressBar(process.stderr)
            // The bar is only a view: if the event stream fails, the run is still awaited below.
            yield* client.events(created.id).pipe(
              Stream.runForEach((run) => Effect.sync(() => bar.draw(run))),
              Effect.ignore,
              Effect.ensuring(Effect.sync(bar.clear))
            )
          } else {
            process.stderr.write(`run ${created.id} ${created.status}; waiting for it to finish\n`)
          }
          const finished = yield* client.awaitCompletion(created.id)
          yield* Console.log(options.json ? runJson(finished) : runText(finished))
        }).pipe(
          Effect.onInterrupt(() =>
            Effect.sync(() =>
              process.stderr.write(options.local ? "\ninterrupted\n" : "\ninterrupted: the run goes on in the service\n")
            )
          )
        )
    )
).pipe(Command.withDescription("Starts a run, shows its progress on stderr (on a terminal), and prints the final result"))

export const getCommand = Command.make(
  "get",
  {
    id: Args.text({ name: "id" }).pipe(Args.withDescription("The run's id")),
    wait: Options.float("wait").pipe(
      Options.withDescription("Wait up to this many seconds (at most 30) for the run to finish"),
      Options.optional
    ),
    url,
    json
  },
  (options) =>
    withClient(Effect.succeed(baseUrlOf(options.url)), (client) =>
      Effect.gen(function* () {
        const run = yield* client.getRun(
          options.id,
          Option.match(options.wait, { onNone: () => ({}), onSome: (seconds) => ({ wait: Duration.seconds(seconds) }) })
        )
        yield* Console.log(options.json ? runJson(run) : runText(run))
      })
    )
).pipe(Command.withDescription("Prints one run"))

export const listCommand = Command.make(
  "list",
  {
    status: Options.choice("status", ["PENDING", "IN_PROGRESS", "FINISHED"]).pipe(
      Options.withDescription("Only runs of this status"),
      Options.optional
    ),
    limit: Options.integer("limit").pipe(Options.withDescription("Runs per page: 1 to 100 (default 20)"), Options.optional),
    cursor: Options.text("cursor").pipe(Options.withDescription("Where the previous page ended (its next_cursor)"), Options.optional),
    url,
    json
  },
  (options) =>
    withClient(Effect.succeed(baseUrlOf(options.url)), (client) =>
      Effect.gen(function* () {
        const page = yield* client.listRuns({
          ...Option.match(options.status, { onNone: () => ({}), onSome: (status) => ({ status }) }),
          ...Option.match(options.limit, { onNone: () => ({}), onSome: (limit) => ({ limit }) }),
          ...Option.match(options.cursor, { onNone: () => ({}), onSome: (cursor) => ({ cursor }) })
        })
        yield* Console.log(options.json ? pageJson(page) : pageText(page))
      })
    )
).pipe(Command.withDescription("Lists runs, newest first"))
