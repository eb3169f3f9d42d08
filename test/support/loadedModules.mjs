// node --import ./test/support/loadedModules.mjs: appends the URL of every ES module the process
// loads to $LOADED_MODULES_FILE, so a test can tell what a start-up imported.
import { register } from "node:module"

register("./loadedModulesHooks.mjs", import.meta.url)
