import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either } from "effect"
import { describeConfigError } from "../../src/Config.js"
import { databaseKind, replicaConfig } from "../../src/Store/StoreConfig.js"

const load = (env: Record<string, string>) =>
  Effect.either(Effect.withConfigProvider(replicaConfig, ConfigProvider.fromMap(new Map(Object.entries(env)))))

describe("replica settings", () => {
  it("DATABASE_URL picks the database by its scheme", () => {
    expect(databaseKind("postgres://postgres@127.0.0.1:5432/test")).toBe("postgres")
    expect(databaseKind("postgresql://db/runs")).toBe("postgres")
    expect(databaseKind("./data/runs.sqlite")).toBe("sqlite")
    expect(databaseKind(":memory:")).toBe("sqlite")
  })

  it.effect("defaults: a 5 s lease renewed every second, a unique replica id", () =>
    Effect.gen(function* () {
      const [first, second] = yield* Effect.all([load({}), load({})])
      expect(Either.isRight(first) && Either.isRight(second)).toBe(true)
      const a = Either.getOrThrow(first)
      expect({ leaseMs: a.leaseMs, renewEveryMs: a.renewEveryMs, pollMs: a.pollMs, maxLeaseLosses: a.maxLeaseLosses }).toEqual({
        leaseMs: 5_000,
        renewEveryMs: 1_000,
        pollMs: 3_000,
        maxLeaseLosses: 3
      })
      expect(a.replicaId).not.toBe(Either.getOrThrow(second).replicaId)
      expect(Either.getOrThrow(yield* load({ REPLICA_ID: " replica-a " })).replicaId).toBe("replica-a")
    }))

  it.effect("a renewal slower than half the lease, or a value that is not a whole number, is refused with its name", () =>
    Effect.gen(function* () {
      const slow = yield* load({ LEASE_MS: "2000", LEASE_RENEW_MS: "1500" })
      expect(Either.isLeft(slow) && describeConfigError(slow.left)).toContain("LEASE_RENEW_MS must be at most half of LEASE_MS")
      const bad = yield* load({ LEASE_MS: "soon" })
      expect(Either.isLeft(bad) && describeConfigError(bad.left)).toContain("LEASE_MS must be a whole number")
    }))
})
