// node --import ./test/support/builtinModules.mjs: writes the Node built-ins the process loaded
// (process.moduleLoadList) to $BUILTIN_MODULES_FILE when it exits, so a test can tell what a command loaded.
import { writeFileSync } from "node:fs"

const file = process.env["BUILTIN_MODULES_FILE"]
if (file) process.on("exit", () => writeFileSync(file, process.moduleLoadList.join("\n")))
