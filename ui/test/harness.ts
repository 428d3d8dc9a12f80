/**
 * What the browser tests run against: the real Worker under `wrangler dev` (the default app,
 * serving the built UI from ui/dist) on a free port with a fresh `--persist-to` directory and
 * its D1 migrations applied; headless Chromium driven by playwright-core; and a local HTTP
 * server the cat-fact flow can fetch, which the test tells to answer, fail, or hold a request
 * until released (so a run stays Running while the page watches).
 *
 * @module
 */

import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { freePort, WAIT_MS, waitFor } from "../../scripts/wrangler_dev.ts";

export {
  FACT,
  type FactMode,
  type FactServer,
  startFactServer,
  startWorker,
  type Worker,
} from "../../scripts/default_app_server.ts";
export { freePort, WAIT_MS, waitFor };

/** Chromium from Debian (`apt-get install -y chromium`). */
export const CHROMIUM = process.env.WEIR_CHROMIUM ?? "/usr/bin/chromium";

/**
 * Launches headless Chromium with a fresh profile (Playwright gives each launch its own
 * temporary user-data-dir).
 *
 * @example
 * ```ts
 * const browser = await launchBrowser();
 * ```
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\``);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--headless",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * A page that fails the test on uncaught errors, with a fixed viewport.
 *
 * @example
 * ```ts
 * const page = await newPage(browser, errors);
 * ```
 */
export async function newPage(browser: Browser, errors: string[]): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
  return page;
}

/** Saves a screenshot when WEIR_UI_SCREENSHOTS names a folder (never in the repository). */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.WEIR_UI_SCREENSHOTS;
  if (dir === undefined || dir === "") return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}
