// Every page at phone size (390x844, deviceScaleFactor 2, a touch screen) against the real
// Worker: no page scrolls sideways, the run page's log messages get the width, the flows'
// Run buttons and the runs' key columns are on screen. Screenshots of each page go to a
// temporary folder (or WEIR_UI_SCREENSHOTS), printed for a person to look at.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, Locator, Page } from "playwright-core";
import {
  type FactServer,
  launchBrowser,
  startFactServer,
  startWorker,
  WAIT_MS,
  type Worker,
  waitFor,
} from "./harness.ts";

const WIDTH = 390;

let worker: Worker;
let facts: FactServer;
let browser: Browser;
let shots: string;
const errors: string[] = [];

before(async () => {
  [worker, facts, browser] = await Promise.all([startWorker(), startFactServer(), launchBrowser()]);
  const env = process.env.WEIR_UI_SCREENSHOTS;
  shots =
    env !== undefined && env !== ""
      ? join(env, "phone")
      : mkdtempSync(join(tmpdir(), "weir-phone-shots-"));
  mkdirSync(shots, { recursive: true });
  console.log(`phone screenshots: ${shots}`);
});

after(async () => {
  await Promise.allSettled([browser?.close(), facts?.close(), worker?.stop()]);
  assert.deepEqual(errors, [], "the pages threw no uncaught errors");
});

async function phone(): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: WIDTH, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
  return page;
}

/** The page does not scroll sideways; saves a full-page screenshot. */
async function fits(page: Page, name: string): Promise<void> {
  const width = await page.evaluate(() => document.scrollingElement?.scrollWidth ?? 0);
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  assert.ok(width <= WIDTH, `${name}: the page is ${width}px wide, wider than ${WIDTH}px`);
}

/** The element is rendered and lies within the viewport's width. */
async function onScreen(locator: Locator, what: string): Promise<void> {
  await locator.scrollIntoViewIfNeeded();
  const box = await locator.boundingBox();
  assert.ok(box !== null, `${what} is rendered`);
  assert.ok(box.width > 0 && box.height > 0, `${what} has a size`);
  assert.ok(
    box.x >= 0 && box.x + box.width <= WIDTH,
    `${what} is on screen: x ${box.x}..${box.x + box.width}`,
  );
}

/** The header band at the top stays compact. */
async function compactHeader(page: Page): Promise<void> {
  const box = await page.locator("nav.sidebar").boundingBox();
  assert.ok(box !== null && box.height <= 64, `the header is ${box?.height}px high`);
}

interface Run {
  id: string;
  state: { type: string };
}

async function finishedRun(flow: string, parameters: Record<string, unknown>): Promise<Run> {
  const created = await worker.api<Run>(`/api/flows/${flow}/runs`, {
    method: "POST",
    body: { parameters },
  });
  return waitFor(`run ${created.id} to finish`, async () => {
    const run = await worker.api<Run>(`/api/runs/${created.id}`);
    return ["COMPLETED", "FAILED", "CANCELLED", "CRASHED"].includes(run.state.type)
      ? run
      : undefined;
  });
}

describe("at phone size", () => {
  it("the flows list keeps its Run buttons on screen, and a flow's form fits", async () => {
    const page = await phone();
    await page.goto(`${worker.url}/flows`);
    const rows = page.locator("[data-flow]");
    await page.locator('[data-flow="cat-fact"]').waitFor();
    await compactHeader(page);
    await fits(page, "flows");
    for (let i = 0; i < (await rows.count()); i++) {
      const name = await rows.nth(i).getAttribute("data-flow");
      await onScreen(rows.nth(i).getByRole("link", { name: "Run…" }), `${name}'s Run button`);
    }
    await page.goto(`${worker.url}/flows/main-flow`);
    await page.locator("#param-testDataRatio").waitFor();
    await compactHeader(page);
    await fits(page, "flow-form");
    await onScreen(page.locator("#param-testDataRatio"), "a parameter field");
    await onScreen(page.getByRole("button", { name: "Run", exact: true }), "the Run button");
    await page.close();
  });

  it("the runs list shows each run's state, name, created time and duration", async () => {
    const run = await finishedRun("cat-fact", { url: facts.url });
    await finishedRun("main-flow", { testDataRatio: 0.3 });
    const page = await phone();
    await page.goto(`${worker.url}/runs`);
    const row = page.locator(`[data-run="${run.id}"]`);
    await row.locator(".badge", { hasText: "Completed" }).waitFor();
    await compactHeader(page);
    await fits(page, "runs");
    await onScreen(row.locator(".badge"), "the state");
    await onScreen(row.locator("a.strong"), "the run's name");
    for (const column of ["created", "duration"]) {
      const cell = row.locator(`[data-col="${column}"]`);
      await onScreen(cell, `the ${column} column`);
      assert.notEqual(
        (await cell.textContent())?.trim() ?? "",
        "",
        `the ${column} column has a value`,
      );
    }
    // A flow's page with its latest runs.
    await page.goto(`${worker.url}/flows/cat-fact`);
    const latest = page.locator(`[data-run="${run.id}"]`);
    await latest.locator(".badge", { hasText: "Completed" }).waitFor();
    await compactHeader(page);
    await fits(page, "flow-with-runs");
    await onScreen(latest.locator('[data-col="duration"]'), "a latest run's duration");
    await page.close();
  });

  it("a run page gives its log messages the width, and its graph and task runs fit", async () => {
    const run = await finishedRun("cat-fact", { url: facts.url });
    assert.equal(run.state.type, "COMPLETED");
    const page = await phone();
    await page.goto(`${worker.url}/runs/${run.id}`);
    await page.locator(".run-header > .badge", { hasText: "Completed" }).waitFor();
    const message = page.locator(".log-line .log-message").first();
    await message.waitFor();
    await page.locator('.graph-node[data-state="COMPLETED"]').nth(1).waitFor();
    await compactHeader(page);
    await fits(page, "run-logs");
    const widths = await page
      .locator(".log-line .log-message")
      .evaluateAll((els) => els.map((el) => el.getBoundingClientRect().width));
    assert.ok(
      widths.every((w) => w >= 250),
      `every log message is at least 250px wide: ${widths}`,
    );
    await onScreen(page.locator(".graph-card"), "the graph card");
    await page.locator(".graph-card").screenshot({ path: join(shots, "run-graph.png") });

    await page.getByRole("tab", { name: /Task runs/ }).click();
    const task = page.locator('[data-task-run="parse-fact-0"]');
    await task.locator(".badge", { hasText: "Completed" }).waitFor();
    await fits(page, "run-task-runs");
    await onScreen(task.locator(".strong").first(), "the task run's name");
    await onScreen(task.locator(".badge"), "the task run's state");
    await onScreen(task.locator('[data-col="duration"]'), "the task run's duration");
    await page.close();
  });
});
