const MAX_SHOWN = 60

/**
 * A short, printable description of a value a client sent, for an error message. It never throws:
 * `String()` does on `{"toString": 1}` (an object without a callable toString or valueOf), and
 * JSON.stringify does on a bigint.
 */
export const describeValue = (value: unknown): string => {
  let text: string
  try {
    text = typeof value === "bigint" ? `${value}` : (JSON.stringify(value) ?? typeof value)
  } catch {
    text = typeof value
  }
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}… (${text.length} characters)` : text
}
