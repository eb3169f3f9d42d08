import { appendFileSync } from "node:fs"

const file = process.env["LOADED_MODULES_FILE"]

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context)
  if (file) appendFileSync(file, `${resolved.url}\n`)
  return resolved
}
