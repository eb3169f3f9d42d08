/**
 * JSON with integers beyond 2^53: `JSON.stringify` cannot write a bigint and `JSON.parse` rounds
 * a long number, so the run's `sum` travels as raw digits and is rewritten around the standard
 * functions. The marker cannot occur in our own output: JSON.stringify escapes U+0000.
 */
const MARKER = "\u0000exact-integer:"
const MARKED = /"\\u0000exact-integer:(-?\d+)"/g

const DIGITS = /^-?\d+$/

export const stringifyExact = (value: unknown): string =>
  JSON.stringify(value, (_key, field: unknown) => (typeof field === "bigint" ? MARKER + field.toString() : field)).replace(
    MARKED,
    "$1"
  )

/**
 * JSON text of a schema's encoded value, whose exact integers are digit strings (the encoded side
 * of Schema.BigInt): the strings of the named fields are written as JSON integers, the inverse of
 * `parseExact` with the same fields.
 */
export const stringifyExactFields = (encoded: unknown, fields: ReadonlyArray<string>): string =>
  JSON.stringify(encoded, (key, field: unknown) =>
    typeof field === "string" && fields.includes(key) && DIGITS.test(field) ? MARKER + field : field
  ).replace(MARKED, "$1")

/** Parses JSON, turning the named fields' integer values into digit strings before any rounding. */
export const parseExact = (text: string, fields: ReadonlyArray<string>): unknown => {
  let quoted = text
  for (const field of fields) {
    const pattern = new RegExp(`("${field}"\\s*:\\s*)(-?\\d+)(?=\\s*[,}\\]])`, "g")
    quoted = quoted.replace(pattern, '$1"$2"')
  }
  return JSON.parse(quoted)
}

/**
 * How deeply a request body may nest arrays and objects. A run's body needs 1; the limit keeps a
 * small body of thousands of brackets from exhausting the stack of whatever walks the parsed value.
 */
export const MAX_JSON_DEPTH = 32

/** The deepest nesting of arrays and objects in a JSON text, brackets inside strings not counted. */
export const jsonDepth = (text: string): number => {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i)
    if (inString) {
      if (char === 0x5c) i += 1 // a backslash: the next character is escaped
      else if (char === 0x22) inString = false
    } else if (char === 0x22) inString = true
    else if (char === 0x5b || char === 0x7b) deepest = Math.max(deepest, ++depth)
    else if (char === 0x5d || char === 0x7d) depth -= 1
  }
  return deepest
}

export type JsonBody =
  | { readonly _tag: "Parsed"; readonly value: unknown }
  | { readonly _tag: "Invalid"; readonly problem: string }

/** A request body parsed as JSON, refused when it is empty, malformed or nested deeper than MAX_JSON_DEPTH. */
export const parseJsonBody = (text: string): JsonBody => {
  if (text.trim() === "") return { _tag: "Invalid", problem: "the request body is empty; send a JSON object" }
  const depth = jsonDepth(text)
  if (depth > MAX_JSON_DEPTH) {
    return { _tag: "Invalid", problem: `the request body nests ${depth} levels deep; at most ${MAX_JSON_DEPTH} are accepted` }
  }
  try {
    return { _tag: "Parsed", value: JSON.parse(text) }
  } catch (error) {
    return { _tag: "Invalid", problem: `the request body is not valid JSON: ${error instanceof Error ? error.message : "parse error"}` }
  }
}
