import { Config, ConfigError, Either, Option } from "effect"

/**
 * Strict parsers for settings read from the environment (the service's, the simulator's, the
 * tracing's): a value is taken only as it is plainly written (no exponents, hex or signs where
 * none belong), and a bad one fails with one line that names the variable, the rule and the value.
 */
export const invalid = (name: string, rule: string, raw: string) =>
  ConfigError.InvalidData([], `${name} ${rule}, got ${JSON.stringify(raw)}`)

const WHOLE = /^-?\d+$/
const DECIMAL = /^-?\d+(\.\d+)?$/

/** A number from `min` to `max`: whole, or with a decimal point when `whole` is false. */
export const numberSetting = (name: string, fallback: number, range: { readonly min: number; readonly max: number; readonly whole: boolean }) =>
  Config.string(name).pipe(
    Config.withDefault(String(fallback)),
    Config.mapOrFail((raw) => {
      const text = raw.trim()
      const value = Number(text)
      return (range.whole ? WHOLE : DECIMAL).test(text) && value >= range.min && value <= range.max
        ? Either.right(value)
        : Either.left(invalid(name, `must be ${range.whole ? "a whole number" : "a number"} from ${range.min} to ${range.max}`, raw))
    })
  )

export const integerSetting = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  numberSetting(name, fallback, { min, max, whole: true })

/** One of `choices`, as written (surrounding blanks aside). */
export const choiceSetting = <const Choice extends string>(name: string, choices: ReadonlyArray<Choice>, fallback: Choice) =>
  Config.string(name).pipe(
    Config.withDefault(fallback),
    Config.mapOrFail((raw): Either.Either<Choice, ConfigError.ConfigError> => {
      const text = raw.trim()
      return choices.includes(text as Choice)
        ? Either.right(text as Choice)
        : Either.left(invalid(name, `must be one of ${choices.map((choice) => `"${choice}"`).join(", ")}`, raw))
    })
  )

/** A host name or IP address to bind to. */
export const hostSetting = (name: string, fallback: string) =>
  Config.string(name).pipe(
    Config.withDefault(fallback),
    Config.mapOrFail((raw) =>
      raw.trim() === "" || /\s/.test(raw.trim()) ? Either.left(invalid(name, "must be a host name or IP address", raw)) : Either.right(raw.trim())
    )
  )

/** An absolute http(s) URL, or none when unset or blank. */
export const urlSetting = (name: string) =>
  Config.option(Config.string(name)).pipe(
    Config.mapOrFail((raw) => {
      if (Option.isNone(raw) || raw.value.trim() === "") return Either.right(Option.none<URL>())
      try {
        const url = new URL(raw.value.trim())
        return url.protocol === "http:" || url.protocol === "https:"
          ? Either.right(Option.some(url))
          : Either.left(invalid(name, "must be an http:// or https:// URL", raw.value))
      } catch {
        return Either.left(invalid(name, "must be an absolute http:// or https:// URL", raw.value))
      }
    })
  )

/** The first problem of a configuration error, as one line for a human. */
export const describeConfigError = (error: ConfigError.ConfigError): string => {
  const first = (e: ConfigError.ConfigError): string => {
    switch (e._op) {
      case "And":
      case "Or":
        return first(e.left)
      case "MissingData":
      case "InvalidData":
      case "SourceUnavailable":
      case "Unsupported":
        return e.path.length > 0 ? `${e.path.join(".")}: ${e.message}` : e.message
    }
  }
  return first(error)
}
