import { NodeRuntime } from "@effect/platform-node";
import { serveService } from "./Service.js";
NodeRuntime.runMain(serveService, { disablePrettyLogger: true });
