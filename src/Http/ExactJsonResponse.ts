import { HttpApiSchema, HttpServerResponse } from "@effect/platform"
import { Schema } from "effect"
import { stringifyExactFields } from "../Domain/ExactJson.js"
import { EXACT_INTEGER_FIELDS } from "../Domain/Run.js"

/** A value as JSON text, encoded by its schema, with the exact integers (`sum`) written as JSON numbers however large. */
export const exactJsonText = <A, I>(schema: Schema.Schema<A, I>) => {
  const encode = Schema.encodeSync(schema)
  return (value: A): string => stringifyExactFields(encode(value), EXACT_INTEGER_FIELDS)
}

/**
 * An endpoint's declared success as a response: encoded by the schema, with the status the schema
 * declares. HttpApiBuilder would encode the same value itself, but its JSON.stringify can only
 * write an encoded bigint as a string, and SPEC §2 wants `sum` an exact JSON number (JSON.rawJSON,
 * which could write it, is not in Node 20). So handlers return this response, not the bare value.
 */
export const exactJsonResponse = <A, I>(schema: Schema.Schema<A, I>) => {
  const text = exactJsonText(schema)
  const status = HttpApiSchema.getStatusSuccess(schema)
  return (value: A): HttpServerResponse.HttpServerResponse =>
    HttpServerResponse.text(text(value), { status, contentType: "application/json" })
}
