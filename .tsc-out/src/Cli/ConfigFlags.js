import { Options } from "@effect/cli";
import { ConfigError, ConfigProvider, Effect, HashSet, Record } from "effect";
import * as PathPatch from "effect/ConfigProviderPathPatch";
/**
 * The variables a Config reads, found by reading it from a provider that has none (each one then
 * takes its default). Flags made from this list stay in step with the configuration itself.
 */
export const variablesOf = (config) => {
    const names = [];
    const nothing = ConfigProvider.fromFlat(ConfigProvider.makeFlat({
        load: (path) => {
            const name = path.join("_");
            if (!names.includes(name))
                names.push(name);
            return Effect.fail(ConfigError.MissingData([...path], `${name} is not set`));
        },
        enumerateChildren: () => Effect.succeed(HashSet.empty()),
        patch: PathPatch.empty
    }));
    Effect.runSync(Effect.either(Effect.withConfigProvider(config, nothing)));
    return names;
};
/** `MAX_CONCURRENT_RUNS` → `max-concurrent-runs`; `SIM_P500` with prefix `SIM_` → `p500`. */
const flagName = (variable, prefix) => variable.slice(variable.startsWith(prefix) ? prefix.length : 0).toLowerCase().replaceAll("_", "-");
/**
 * One optional text flag per variable. Values are passed through as text, so a flag is checked by
 * the same rules, with the same message, as its variable.
 */
export const configFlags = (config, prefix = "") => Options.all(Object.fromEntries(variablesOf(config).map((variable) => [
    variable,
    Options.text(flagName(variable, prefix)).pipe(Options.optional, Options.withDescription(`Sets ${variable} (see the README's configuration table)`))
])));
/** Flags given on the command line first, then the environment. */
export const providerOf = (flags) => ConfigProvider.fromMap(new Map(Object.entries(Record.getSomes(flags)))).pipe(ConfigProvider.orElse(() => ConfigProvider.fromEnv()));
