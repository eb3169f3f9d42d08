/**
 * The faulty-runs client: `import { RunsClient, PromiseRunsClient } from "faulty-runs/client"`.
 */
export type { RunStatus } from "../Domain/Run.js"
export { RunView } from "../Domain/Run.js"
export { RunPage } from "../Domain/RunListing.js"
export * from "./ClientErrors.js"
export { PromiseRunsClient } from "./PromiseRunsClient.js"
export type { Abortable } from "./PromiseRunsClient.js"
export { RunsClient, RunsClientConfig } from "./RunsClient.js"
export type { AwaitCompletionOptions, CreateRunOptions, ListRunsOptions, RunsClientOptions } from "./RunsClient.js"
