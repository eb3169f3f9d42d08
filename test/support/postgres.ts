import { randomUUID } from "node:crypto"
import { describe } from "@effect/vitest"
import pg from "pg"

/** The PostgreSQL the replica tests use: TEST_DATABASE_URL, or the local one. */
export const postgresBase = process.env["TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test"

const query = async (text: string) => {
  const client = new pg.Client({ connectionString: postgresBase, connectionTimeoutMillis: 3_000 })
  await client.connect()
  try {
    return await client.query(text)
  } finally {
    await client.end()
  }
}

let unreachableBecause = ""
const reachable = await query("SELECT 1").then(
  () => true,
  (error: Error) => {
    unreachableBecause = error.message
    return false
  }
)

/**
 * A describe block that needs PostgreSQL. Without it: one clear failing line under CI=true (the
 * replica tests must run there), one clear skip line otherwise.
 */
export const describeWithPostgres = (name: string, body: () => void) => {
  if (reachable) return describe(name, body)
  const line = `PostgreSQL at ${postgresBase} does not answer (${unreachableBecause}): the replica tests need it`
  if (process.env["CI"] === "true") {
    return describe(name, () => {
      throw new Error(line)
    })
  }
  process.stderr.write(`skipped: ${line}\n`)
  return describe.skip(name, body)
}

/** `url` with every connection's search_path set to `schema`. */
export const withSearchPath = (url: string, schema: string) => {
  const parsed = new URL(url)
  parsed.searchParams.set("options", `-c search_path=${schema}`)
  return parsed.toString()
}

export interface TestSchema {
  readonly name: string
  /** DATABASE_URL for services on this schema. */
  readonly url: string
  readonly query: <Row>(text: string, values?: ReadonlyArray<unknown>) => Promise<Array<Row>>
  readonly drop: () => Promise<void>
}

/** A new empty schema of its own, so that test files and tests never share tables, channels or locks. */
export const createSchema = async (): Promise<TestSchema> => {
  const name = `test_${randomUUID().replaceAll("-", "")}`
  await query(`CREATE SCHEMA ${name}`)
  const url = withSearchPath(postgresBase, name)
  const client = new pg.Client({
    connectionString: url,
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser
    }
  })
  await client.connect()
  return {
    name,
    url,
    query: async <Row>(text: string, values: ReadonlyArray<unknown> = []) =>
      (await client.query(text, values as Array<unknown>)).rows as Array<Row>,
    drop: async () => {
      await client.end().catch(() => undefined)
      await query(`DROP SCHEMA ${name} CASCADE`)
    }
  }
}
