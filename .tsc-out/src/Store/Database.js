import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { NodeContext } from "@effect/platform-node";
import { SqliteClient, SqliteMigrator } from "@effect/sql-sqlite-node";
import { Effect, Layer } from "effect";
import { AppConfig } from "../Config.js";
import { migrations } from "./Migrations.js";
const ensureParentDirectory = (filename) => Effect.sync(() => {
    if (filename !== ":memory:" && !filename.startsWith("file:"))
        mkdirSync(dirname(filename), { recursive: true });
});
/** The SQL client for DATABASE_URL, migrated to the current schema before anything uses it. */
export const DatabaseLive = Layer.unwrapEffect(Effect.gen(function* () {
    const { databaseUrl } = yield* AppConfig;
    yield* ensureParentDirectory(databaseUrl);
    return SqliteMigrator.layer({ loader: migrations }).pipe(Layer.provideMerge(SqliteClient.layer({ filename: databaseUrl })), Layer.provide(NodeContext.layer));
}));
