import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "@effect/vitest";
import { Effect } from "effect";
import { chromium } from "playwright-core";
import { projectRoot } from "../support/childProcess.js";
import { createRun, getRun, stack } from "../support/servers.js";
const CHROMIUM = "/usr/bin/chromium";
const inCi = process.env["CI"] === "true";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && !inCi) {
    process.stderr.write(`dashboard browser test skipped: ${CHROMIUM} is missing (apt-get install -y chromium)\n`);
}
// UPDATE_SCREENSHOT=1 refreshes the README's picture; otherwise the screenshot goes to a temporary folder.
const screenshotPath = process.env["UPDATE_SCREENSHOT"] === "1"
    ? join(projectRoot, "docs", "dashboard.png")
    : join(tmpdir(), `faulty-runs-dashboard-${process.pid}.png`);
const launch = Effect.acquireRelease(Effect.promise(() => {
    if (!haveChromium)
        throw new Error(`CI=true and ${CHROMIUM} is missing: .ci/run installs it with apt-get`);
    return chromium.launch({
        executablePath: CHROMIUM,
        args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    });
}), (browser) => Effect.promise(() => browser.close()));
const digits = (text) => Number((text ?? "").replace(/[^\d]/g, ""));
/** Polls what the page shows until `check` holds (real time, bounded). */
const waitUntil = async (what, check, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
        if (Date.now() > deadline)
            throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
};
describe.skipIf(!haveChromium && !inCi)("the dashboard in a real browser", () => {
    it.live("starts a run from the form, shows it and its count rising, with no console error and no other host", () => Effect.gen(function* () {
        const { base } = yield* stack({ upstreamConcurrency: "auto", upstreamInitialConcurrency: 4 }, { concurrencyLimit: 12 });
        const browser = yield* launch;
        const seen = yield* Effect.promise(async () => {
            const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
            const consoleErrors = [];
            const requests = [];
            page.on("console", (message) => {
                if (message.type() === "error" || message.type() === "warning")
                    consoleErrors.push(`${message.type()}: ${message.text()}`);
            });
            page.on("pageerror", (error) => consoleErrors.push(`uncaught: ${error.message}`));
            page.on("request", (request) => requests.push(request.url()));
            await page.goto(base.href, { waitUntil: "load" });
            await page.waitForSelector("#readiness[data-state=ready]", { timeout: 30_000 });
            await page.fill("#seconds", "4");
            await page.click("#start-run button[type=submit]");
            await waitUntil("the form to report the new run", async () => /^Started run /.test((await page.textContent("#start-result")) ?? ""));
            const row = page.locator("#runs tbody tr").first();
            await row.waitFor({ timeout: 30_000 });
            const id = (await row.getAttribute("data-run-id"));
            const count = async () => digits(await row.locator('[data-field="count"]').textContent());
            // The count rises while the run is in progress, without a reload.
            await waitUntil("a first success", async () => (await count()) > 0);
            const early = await count();
            const earlyStatus = await row.getAttribute("data-status");
            await waitUntil("the count to rise", async () => (await count()) > early);
            const later = await count();
            await waitUntil("the run to finish", async () => (await row.getAttribute("data-status")) === "FINISHED");
            await waitUntil("the chart", async () => (await page.locator("#chart canvas").count()) > 0);
            const shownFinal = await count();
            const rateTile = await page.textContent("#tile-rate");
            const chartPoints = await page.locator("#chart .u-series").count();
            return { page, id, early, earlyStatus, later, shownFinal, rateTile, chartPoints, consoleErrors, requests };
        });
        const finished = yield* getRun(base, seen.id);
        if (process.env["UPDATE_SCREENSHOT"] === "1") {
            // For the README: a few more runs, so the table and the chart have something to show.
            yield* Effect.forEach([6, 12, 8], (seconds) => createRun(base, seconds));
            yield* Effect.sleep("9 seconds");
        }
        yield* Effect.promise(async () => {
            mkdirSync(join(screenshotPath, ".."), { recursive: true });
            await seen.page.screenshot({ path: screenshotPath, fullPage: true });
        });
        expect(seen.earlyStatus).toBe("IN_PROGRESS");
        expect(seen.later).toBeGreaterThan(seen.early);
        // What the page shows at the end is the run's exact count.
        expect(finished.status).toBe("FINISHED");
        expect(seen.shownFinal).toBe(finished.successful_responses_count);
        expect(seen.rateTile).toMatch(/^\d[\d,]*\.\d$/);
        expect(seen.chartPoints).toBeGreaterThanOrEqual(3);
        expect(seen.consoleErrors).toEqual([]);
        const origins = new Set(seen.requests.map((url) => (url.startsWith("data:") ? "data:" : new URL(url).origin)));
        expect([...origins].filter((origin) => origin !== "data:")).toEqual([base.origin]);
        expect(seen.requests).toContain(new URL("/dashboard/uPlot.iife.min.js", base).href);
        expect(seen.requests.some((url) => url.startsWith(new URL("/runs?", base).href))).toBe(true);
        expect(existsSync(screenshotPath)).toBe(true);
    }).pipe(Effect.scoped));
});
