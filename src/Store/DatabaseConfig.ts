import { Config, Context, Either, Layer } from "effect"
import { invalid } from "../Settings.js"

export interface DatabaseSettings {
  /** A SQLite file path, `:memory:`, or a postgres:// URL. */
  readonly databaseUrl: string
}

/** Which database the service keeps its runs in. */
export class DatabaseConfig extends Context.Tag("faulty-runs/DatabaseConfig")<DatabaseConfig, DatabaseSettings>() {
  static layer = (settings: DatabaseSettings) => Layer.succeed(DatabaseConfig, { databaseUrl: settings.databaseUrl })
}

const databaseUrlSetting = Config.string("DATABASE_URL").pipe(
  Config.withDefault("./data/runs.sqlite"),
  Config.mapOrFail((raw) => {
    const value = raw.trim()
    if (value === "") return Either.left(invalid("DATABASE_URL", "must be a SQLite file path, :memory: or a postgres:// URL", raw))
    if (/^postgres(ql)?:/i.test(value)) {
      try {
        const url = new URL(value)
        if (url.hostname !== "" && /^postgres(ql)?:$/i.test(url.protocol)) return Either.right(value)
      } catch {
        // reported below
      }
      return Either.left(invalid("DATABASE_URL", "must be a postgres://user@host:port/database URL", raw))
    }
    return Either.right(value)
  })
)

export const databaseConfig: Config.Config<DatabaseSettings> = Config.all({ databaseUrl: databaseUrlSetting })
