import { Console, Effect } from "effect"

// Select Graphic Rendition sequences: the colours and bold of @effect/cli's help and error pages.
const SGR = /\x1b\[[0-9;]*m/g

/** Colour only on a terminal, and never under NO_COLOR (any non-empty value, per no-color.org). */
export const wantsColor = (stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env) =>
  stream.isTTY === true && (env["NO_COLOR"] ?? "") === ""

export const withoutColor = (text: string) => text.replace(SGR, "")

const plainArgs = (args: ReadonlyArray<unknown>) => args.map((arg) => (typeof arg === "string" ? withoutColor(arg) : arg))

/**
 * The console with colour codes stripped from what goes to a stream that should not get them (a pipe,
 * a file, NO_COLOR): @effect/cli renders its help and errors with ANSI styles unconditionally.
 */
const terminalConsole = (base: Console.Console): Console.Console => {
  const colorOut = wantsColor(process.stdout)
  const colorErr = wantsColor(process.stderr)
  return {
    ...base,
    log: (...args) => base.log(...(colorOut ? args : plainArgs(args))),
    error: (...args) => base.error(...(colorErr ? args : plainArgs(args))),
    unsafe: {
      ...base.unsafe,
      log: (...args) => base.unsafe.log(...(colorOut ? args : plainArgs(args))),
      error: (...args) => base.unsafe.error(...(colorErr ? args : plainArgs(args)))
    }
  }
}

/** Runs `effect` with the terminal-aware console. */
export const withTerminalConsole = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.consoleWith((base) => Effect.withConsole(effect, terminalConsole(base)))
