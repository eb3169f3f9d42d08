export { RunView } from "../Domain/Run.js";
export { RunPage } from "../Domain/RunListing.js";
export * from "./ClientErrors.js";
export { PromiseRunsClient } from "./PromiseRunsClient.js";
export { RunsClient, RunsClientConfig } from "./RunsClient.js";
