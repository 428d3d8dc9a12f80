// The UI against a Worker with WEIR_API_TOKEN set: the first 401 opens the token prompt with the
// API's message, a wrong token is refused with the API's message, the right one is kept in
// localStorage and every call (and the live feed, which carries it as a WebSocket subprotocol)
// works with it; wrangler's output never shows it.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import {
  type FactServer,
  launchBrowser,
  newPage,
  screenshot,
  startFactServer,
  startWorker,
  type Worker,
} from "./harness.ts";

const TOKEN = "ui-test-token-7f3a";

let worker: Worker;
let facts: FactServer;
let browser: Browser;
const errors: string[] = [];

before(async () => {
  [worker, facts, browser] = await Promise.all([
    startWorker({ token: TOKEN }),
    startFactServer(),
    launchBrowser(),
  ]);
});

after(async () => {
  const output = worker?.output() ?? "";
  await Promise.allSettled([browser?.close(), facts?.close(), worker?.stop()]);
  assert.deepEqual(errors, [], "the pages threw no uncaught errors");
  assert.ok(!output.includes(TOKEN), "wrangler's output never shows the token");
});

describe("with WEIR_API_TOKEN set", () => {
  it("asks for the token, refuses a wrong one, then works, live feed included", async () => {
    const page = await newPage(browser, errors);
    // The WebSocket handshakes' headers, as Chromium sends them (Playwright's request events
    // do not include WebSocket handshakes; the DevTools protocol does).
    const protocols: string[] = [];
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Network.enable");
    cdp.on("Network.webSocketWillSendHandshakeRequest", (event) => {
      const headers = event.request.headers as Record<string, string>;
      const offered = Object.entries(headers).find(
        ([name]) => name.toLowerCase() === "sec-websocket-protocol",
      );
      if (offered !== undefined) protocols.push(offered[1]);
    });

    await page.goto(`${worker.url}/flows`);
    const dialog = page.getByRole("dialog", { name: "API token needed" });
    await dialog.waitFor();
    await dialog.getByText("This API needs an Authorization: Bearer <token> header").waitFor();
    await screenshot(page, "token-prompt");

    await dialog.locator('input[name="token"]').fill("wrong-token");
    await dialog.getByRole("button", { name: "Save token" }).click();
    await dialog.getByText("The bearer token is not valid").waitFor();

    await dialog.locator('input[name="token"]').fill(TOKEN);
    await dialog.getByRole("button", { name: "Save token" }).click();
    await page.locator('tr[data-flow="cat-fact"]').waitFor();
    assert.equal(await dialog.isVisible(), false);
    assert.equal(await page.evaluate(() => localStorage.getItem("weir.apiToken")), TOKEN);

    // A run from the form, followed live to Completed over the authenticated socket.
    facts.mode = "hold";
    await page.goto(`${worker.url}/flows/cat-fact`);
    await page.locator("#param-url").fill(facts.url);
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
    await facts.held();
    const header = page.locator(".run-header");
    await header.locator(".badge", { hasText: "Running" }).waitFor();
    await page.locator('[data-testid="live-status"]', { hasText: "live" }).waitFor();
    facts.release();
    await header.locator(".badge", { hasText: "Completed" }).waitFor();
    assert.equal(await dialog.isVisible(), false, "no prompt once the token is kept");
    assert.ok(
      protocols.some((p) => /^weir\.live\.v1, weir\.bearer\.[A-Za-z0-9_-]+$/.test(p)),
      `the socket offered the token subprotocol: ${protocols}`,
    );
    assert.ok(!protocols.some((p) => p.includes(TOKEN)), "never the token in clear");

    // "Forget token" drops it; the next call asks again.
    await page.getByRole("button", { name: "Forget token" }).click();
    await page.goto(`${worker.url}/runs`);
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await page.locator(".error-box", { hasText: "Authorization: Bearer" }).waitFor();
    await page.close();
  });
});
