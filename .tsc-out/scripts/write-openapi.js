// npm run openapi: writes openapi.json from the HttpApi. A test fails while the committed file differs.
import { writeFileSync } from "node:fs";
import { openApiText } from "../src/Http/ApiDocs.js";
writeFileSync(new URL("../openapi.json", import.meta.url), openApiText());
