import { describe, expect, it } from "@effect/vitest"
import { type Config, ConfigProvider, Effect, Either } from "effect"
import { appConfig } from "../src/Config.js"
import { simulatorSettingsConfig } from "../src/Simulator/Settings.js"
import { describeConfigError } from "../src/Settings.js"

const problemOf = <A>(config: Config.Config<A>, env: Record<string, string>) =>
  Effect.map(Effect.either(Effect.withConfigProvider(config, ConfigProvider.fromMap(new Map(Object.entries(env))))), (result) =>
    Either.isLeft(result) ? describeConfigError(result.left) : "accepted"
  )

describe("settings: one strict parser for the service and the simulator", () => {
  it.effect("numbers are taken only as plainly written, by both", () =>
    Effect.gen(function* () {
      for (const written of ["1e3", "0x10", "+5", " ", "1.", "Infinity"]) {
        expect(yield* problemOf(appConfig, { MAX_PENDING_RUNS: written })).toBe(
          `MAX_PENDING_RUNS must be a whole number from 0 to 1000000, got ${JSON.stringify(written)}`
        )
        expect(yield* problemOf(simulatorSettingsConfig, { SIM_LATENCY_MS: written })).toBe(
          `SIM_LATENCY_MS must be a number from 0 to 600000, got ${JSON.stringify(written)}`
        )
      }
      expect(yield* problemOf(simulatorSettingsConfig, { SIM_LATENCY_MS: " 12.5 ", SIM_P500: "0.1125", SIM_VALUE_MIN: "-5" })).toBe("accepted")
      expect(yield* problemOf(simulatorSettingsConfig, { SIM_LIMIT_SCHEDULE: "0:10,1e3:20" })).toContain("SIM_LIMIT_SCHEDULE must be")
      expect(yield* problemOf(simulatorSettingsConfig, { SIM_LIMIT_SCHEDULE: "0:10, 1000:20" })).toBe("accepted")
    }))

  it.effect("a choice and a host are refused with the variable's name and what it takes", () =>
    Effect.gen(function* () {
      expect(yield* problemOf(simulatorSettingsConfig, { SIM_429_MODE: "later" })).toBe(
        'SIM_429_MODE must be one of "immediate", "held", "counted", got "later"'
      )
      expect(yield* problemOf(simulatorSettingsConfig, { SIM_HOST: "local host" })).toBe(
        'SIM_HOST must be a host name or IP address, got "local host"'
      )
      expect(yield* problemOf(appConfig, { HOST: "" })).toBe('HOST must be a host name or IP address, got ""')
    }))
})
