import { Layer } from "effect";
import { AppConfig } from "../../src/Config.js";
import { Runs } from "../../src/Runs/Runs.js";
import { DatabaseLive } from "../../src/Store/Database.js";
import { SqlRunStoreLive } from "../../src/Store/SqlRunStore.js";
import { UpstreamClient } from "../../src/Upstream/UpstreamClient.js";
import { UpstreamLimiter } from "../../src/Upstream/UpstreamLimiter.js";
import { SqlLimitStoreLive } from "../../src/Store/LimitStore.js";
import { UpstreamTarget } from "../../src/Upstream/UpstreamClient.js";
import { testConfig } from "./config.js";
/**
 * The real engine on a real in-memory SQLite store, with the upstream replaced by an attempt
 * that runs on the test's clock, so TestClock decides when answers arrive.
 */
export const engineWith = (attempt, overrides = {}) => Runs.Default.pipe(Layer.provide(UpstreamClient.fromAttempt(attempt)), Layer.provideMerge(UpstreamLimiter.Default), Layer.provide(Layer.succeed(UpstreamTarget, new URL("http://upstream.test/"))), Layer.provide([SqlRunStoreLive, SqlLimitStoreLive]), Layer.provide(DatabaseLive), Layer.provideMerge(AppConfig.layer(testConfig(overrides))));
