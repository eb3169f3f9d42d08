import { Layer } from "effect";
import { AppConfig } from "../../src/Config.js";
import { makeRunIdGenerator } from "../../src/Domain/RunId.js";
import { DatabaseLive } from "../../src/Store/Database.js";
import { SqlRunStoreLive } from "../../src/Store/SqlRunStore.js";
import { testConfig } from "./config.js";
/** The real SQL run store on `databaseUrl`, migrated, with its own connection. */
export const runStoreOn = (databaseUrl) => SqlRunStoreLive.pipe(Layer.provide(DatabaseLive), Layer.provide(AppConfig.layer(testConfig({ databaseUrl }))));
const newId = makeRunIdGenerator();
/** A fresh PENDING run of 5 seconds created at `createdAt`. */
export const pendingRun = (createdAt) => ({
    id: newId(createdAt),
    seconds: 5,
    status: "PENDING",
    successfulResponsesCount: 0,
    sum: 0n,
    createdAt,
    startedAt: null,
    endsAt: null,
    finishedAt: null
});
