// npm run build: bundles the service, the simulator and the CLI into dist/ with esbuild, so they start with
// plain node (a bundle starts faster than tsc's module-per-file output: see the README's Build section).
// `--if-stale` builds only when an input changed since the last build, and says so.
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs"
import { dirname, join, relative } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const distdir = join(root, "dist")
const outdir = join(distdir, "bundle")
const manifestFile = join(distdir, "build-manifest.json")

export const entryPoints = { main: "src/main.ts", cli: "src/cli.ts", simulator: "src/Simulator/main.ts" }

/**
 * dist/<name>.mjs is a launcher: it turns on Node's on-disk compile cache (Node ≥ 22.1; a no-op before)
 * and only then imports the bundle in dist/bundle/, whose static imports would otherwise be compiled
 * before any line of it ran.
 */
const launcher = (name) => `import * as nodeModule from "node:module"
nodeModule.enableCompileCache?.()
await import("./bundle/${name}.mjs")
`

const hashFile = (file) => createHash("sha256").update(readFileSync(file)).digest("hex")

const readManifest = () => {
  try {
    return JSON.parse(readFileSync(manifestFile, "utf8"))
  } catch {
    return undefined
  }
}

/**
 * Why the last build no longer matches its inputs (every source file it bundled, the package files and
 * this script), or undefined when it does. Sizes and mtimes decide when they match; a file whose mtime moved
 * (a checkout) is stale only if its content changed.
 */
export const staleReason = () => {
  const manifest = readManifest()
  if (manifest === undefined) return "dist/ has not been built"
  for (const [file, recorded] of Object.entries(manifest.inputs)) {
    const path = join(root, file)
    let stat
    try {
      stat = statSync(path)
    } catch {
      return `${file} is gone`
    }
    if (stat.size === recorded.size && stat.mtimeMs === recorded.mtimeMs) continue
    if (stat.size !== recorded.size || hashFile(path) !== recorded.sha256) return `${file} changed`
  }
  for (const output of manifest.outputs) {
    try {
      statSync(join(root, output))
    } catch {
      return `${output} is missing`
    }
  }
  return undefined
}

/**
 * import.meta.url in a bundle is the bundle's own URL. Modules that find files beside themselves (the
 * dashboard's HTML, package.json) get their source file's URL instead, expressed relative to dist/ so the
 * checkout can move.
 */
const sourceLocation = (text, file, outdir) => {
  if (!text.includes("import.meta.url")) return text
  const fromDist = relative(outdir, file).split("\\").join("/")
  return text.replaceAll("import.meta.url", `new URL(${JSON.stringify(fromDist)}, import.meta.url).href`)
}

const BARREL_IMPORT = /import\s*\{([^}]*)\}\s*from\s*"(effect|@effect\/[a-z-]+)"/g

/**
 * `import { Effect, Layer } from "effect"` becomes `import * as Effect from "effect/Effect"` (and so on).
 * With code splitting, esbuild puts a barrel module that two chunks share into one chunk whole, with every
 * module it re-exports: the CLI loaded Swagger UI's 1.9 MB bundle and all of undici that way. Importing the
 * modules themselves keeps each chunk to what its entry point uses.
 */
const deepImports = (text) =>
  text.replace(BARREL_IMPORT, (whole, names, pkg) => {
    const kept = []
    const direct = []
    for (const entry of names.split(",").map((name) => name.trim()).filter((name) => name !== "")) {
      if (entry.startsWith("type ")) continue
      const [imported, local = imported] = entry.split(/\s+as\s+/)
      const moduleFile = join(root, "node_modules", pkg, "dist", "esm", `${imported}.js`)
      if (/^[A-Z]/.test(imported) && existsSync(moduleFile)) direct.push(`import * as ${local} from "${pkg}/${imported}"`)
      else kept.push(entry)
    }
    return [...direct, ...(kept.length > 0 ? [`import { ${kept.join(", ")} } from "${pkg}"`] : [])].join("; ")
  })

const sourcePlugin = (outdir) => ({
  name: "faulty-runs-sources",
  setup(build) {
    build.onLoad({ filter: /\/src\/.*\.ts$/ }, (args) => ({
      contents: deepImports(sourceLocation(readFileSync(args.path, "utf8"), args.path, outdir)),
      loader: "ts"
    }))
  }
})

const FORM_DATA_CHECK = "request && request.payload instanceof FormData"

/**
 * HttpApiClient reads the global FormData on every request, and on Node that getter loads Node's internal
 * undici (tens of ms of a CLI command's start-up). Asking only when there is a payload changes nothing else.
 * The build fails if the check is no longer there, so that an upgrade cannot drop this silently.
 */
const formDataPlugin = {
  name: "faulty-runs-form-data-check",
  setup(build) {
    build.onLoad({ filter: /[\\/]@effect[\\/]platform[\\/]dist[\\/]esm[\\/]HttpApiClient\.js$/ }, (args) => {
      const text = readFileSync(args.path, "utf8")
      if (!text.includes(FORM_DATA_CHECK)) throw new Error(`${args.path} no longer has \`${FORM_DATA_CHECK}\`: review formDataPlugin`)
      return { contents: text.replace(FORM_DATA_CHECK, "request && request.payload !== undefined && request.payload instanceof FormData"), loader: "js" }
    })
  }
}

// Written beside its final name and renamed over it, so a process that starts meanwhile (or a concurrent
// build) never reads half a file.
const writeAtomically = (path, contents) => {
  mkdirSync(dirname(path), { recursive: true })
  const temporary = `${path}.${process.pid}.tmp`
  writeFileSync(temporary, contents)
  renameSync(temporary, path)
}

/**
 * Chunk names carry a content hash, so every build that changes code adds files to dist/bundle/. The
 * previous build's are kept: a process started from it may still import a lazy chunk of its own (the
 * OTLP exporter, the local service). Anything older goes.
 */
const removeOlderChunks = (outputs, previousOutputs) => {
  const keep = new Set([...outputs, ...previousOutputs].map((output) => join(root, output)))
  for (const name of readdirSync(outdir)) {
    const path = join(outdir, name)
    if (!keep.has(path) && !name.endsWith(".tmp")) rmSync(path, { force: true })
  }
}

export const build = async () => {
  const previous = readManifest()
  const esbuild = await import("esbuild")
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: Object.entries(entryPoints).map(([out, entry]) => ({ in: entry, out })),
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    outExtension: { ".js": ".mjs" },
    // Chunks stay beside the entry points: the source-location rewrite below assumes every output is in outdir.
    // Native addons and their loaders stay in node_modules.
    external: ["better-sqlite3", "pg-native"],
    // Bundled CommonJS packages call require() for Node's built-ins.
    banner: { js: 'import { createRequire as __faultyRunsRequire } from "node:module"; const require = __faultyRunsRequire(import.meta.url);' },
    sourcemap: "linked",
    // Whitespace and syntax only: identifiers keep their names, so stack traces stay readable.
    minifyWhitespace: true,
    minifySyntax: true,
    metafile: true,
    write: false,
    logLevel: "warning",
    plugins: [sourcePlugin(outdir), formDataPlugin]
  })
  const launchers = Object.keys(entryPoints).map((name) => ({ path: join(distdir, `${name}.mjs`), contents: launcher(name) }))
  for (const file of [...result.outputFiles, ...launchers]) writeAtomically(file.path, file.contents)
  // Packages change only with the lockfile; checking it instead of their thousand files keeps the check cheap.
  const sources = Object.keys(result.metafile.inputs).filter((file) => !file.startsWith("node_modules/"))
  const inputFiles = [...sources, "scripts/build.mjs", "package.json", "package-lock.json"]
  const inputs = {}
  for (const file of inputFiles) {
    const path = join(root, file)
    const stat = statSync(path)
    inputs[file] = { size: stat.size, mtimeMs: stat.mtimeMs, sha256: hashFile(path) }
  }
  const outputs = [...result.outputFiles, ...launchers].map((file) => relative(root, file.path))
  writeAtomically(manifestFile, JSON.stringify({ inputs, outputs }))
  removeOlderChunks(outputs, previous?.outputs ?? [])
  return { inputs: inputFiles.length, outputs }
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]
if (isMain) {
  const ifStale = process.argv.includes("--if-stale")
  const reason = staleReason()
  if (ifStale && reason === undefined) process.exit(0)
  if (ifStale) process.stderr.write(`faulty-runs: building dist/ (${reason})\n`)
  if (!ifStale) rmSync(distdir, { recursive: true, force: true })
  const started = Date.now()
  const { inputs, outputs } = await build()
  if (!ifStale) process.stderr.write(`faulty-runs: built ${outputs.length} files into dist/ from ${inputs} inputs in ${Date.now() - started} ms\n`)
}
