// The dashboard and the run page's Gantt chart in headless Chromium against the real Worker
// (`wrangler dev`, the default app): counts by state, the bar chart, the failed and upcoming
// lists, kept live by polling; "/" is the dashboard; the Gantt chart's bars for task runs
// (in order of start, a retry's wait shown between its attempts, a running bar growing) and
// subflow runs (linked to the child run); and both pages at phone width with no sideways
// scroll of the page (the chart scrolls inside itself). Every wait is for a condition.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import {
  FACT,
  type FactServer,
  freePort,
  launchBrowser,
  newPage,
  screenshot,
  startFactServer,
  startWorker,
  WAIT_MS,
  type Worker,
  waitFor,
} from "./harness.ts";

interface Run {
  id: string;
  state: { type: string; name: string };
  subflowRuns: { childRunId: string; runName: string }[];
}

let worker: Worker;
let facts: FactServer;
let browser: Browser;
const errors: string[] = [];

/** A fact server that answers 503 to the first request for each path, then the fact. */
let flaky: { url: string; server: Server };

async function startFlaky(): Promise<{ url: string; server: Server }> {
  const seen = new Set<string>();
  const server = createServer((req, res) => {
    const path = req.url ?? "/";
    if (!seen.has(path)) {
      seen.add(path);
      res.writeHead(503, { "content-type": "application/json" });
      res.end('{"message":"try again"}');
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ fact: FACT, length: FACT.length }));
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${port}`, server };
}

before(async () => {
  [worker, facts, browser, flaky] = await Promise.all([
    startWorker(),
    startFactServer(),
    launchBrowser(),
    startFlaky(),
  ]);
});

after(async () => {
  await Promise.allSettled([
    browser?.close(),
    facts?.close(),
    worker?.stop(),
    new Promise((r) => flaky?.server.close(r)),
  ]);
  assert.deepEqual(errors, [], "the pages threw no uncaught errors");
});

const FINAL = ["COMPLETED", "FAILED", "CANCELLED", "CRASHED"];

function create(flow: string, body: Record<string, unknown>): Promise<Run> {
  return worker.api<Run>(`/api/flows/${flow}/runs`, { method: "POST", body });
}

async function finished(created: Run | Promise<Run>): Promise<Run> {
  const { id } = await created;
  return waitFor(`run ${id} to finish`, async () => {
    const run = await worker.api<Run>(`/api/runs/${id}`);
    return FINAL.includes(run.state.type) ? run : undefined;
  });
}

/** The number a dashboard count shows. */
async function countOf(page: Page, key: string): Promise<string> {
  return ((await page.locator(`[data-count="${key}"] .dash-count-n`).textContent()) ?? "").trim();
}

async function expectCount(page: Page, key: string, value: number): Promise<void> {
  await page
    .locator(`[data-count="${key}"] .dash-count-n`, { hasText: new RegExp(`^${value}$`) })
    .waitFor();
}

/** The page does not scroll sideways at phone width. */
async function fitsPhone(page: Page, what: string): Promise<void> {
  const width = await page.evaluate(() => document.scrollingElement?.scrollWidth ?? 0);
  assert.ok(width <= 390, `${what}: the page is ${width}px wide, wider than 390px`);
}

async function phone(): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
  return page;
}

describe("the dashboard", () => {
  it("counts runs by state, charts them, lists failed and upcoming runs, and stays live", async () => {
    const done = await Promise.all([
      finished(create("elevator", { parameters: { floors: 2, msPerFloor: 10 } })),
      finished(create("elevator", { parameters: { floors: 1, msPerFloor: 10 } })),
    ]);
    assert.deepEqual(
      done.map((r) => r.state.type),
      ["COMPLETED", "COMPLETED"],
    );
    facts.mode = "404";
    const failed = await finished(create("cat-fact", { parameters: { url: facts.url } }));
    facts.mode = "ok";
    assert.equal(failed.state.type, "FAILED");
    // Scheduled after the window's end: upcoming, not counted in the chart's 24 hours.
    const now = Date.now();
    const third = await create("cat-fact", { parameters: {}, scheduledAt: now + 3 * 3_600_000 });
    const second = await create("cat-fact", { parameters: {}, scheduledAt: now + 2 * 3_600_000 });

    const page = await newPage(browser, errors);
    await page.goto(`${worker.url}/dashboard`);
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    await expectCount(page, "all", 3);
    assert.equal(await countOf(page, "COMPLETED"), "2");
    assert.equal(await countOf(page, "FAILED"), "1");
    assert.equal(await countOf(page, "RUNNING"), "0");
    // The chart: 24 hourly bars; the runs made now are in the last one, failures on top.
    const chart = page.getByTestId("state-chart");
    assert.equal(await chart.locator(".chart-bucket").count(), 24);
    const last = chart.locator('.chart-bucket[data-bucket="23"]');
    assert.equal(await last.getAttribute("data-total"), "3");
    assert.deepEqual(
      await last
        .locator(".chart-bar")
        .evaluateAll((rects) =>
          rects.map((r) => [r.getAttribute("data-state"), r.getAttribute("data-count")]),
        ),
      [
        ["COMPLETED", "2"],
        ["FAILED", "1"],
      ],
    );
    assert.match(
      (await last.locator("title").textContent()) ?? "",
      /: 3 runs \(1 Failed, 2 Completed\)$/,
    );
    // The lists: the failed run; the upcoming runs soonest first; nothing late.
    await page.locator(`[data-list="failed"] li[data-run="${failed.id}"]`).waitFor();
    assert.deepEqual(
      await page
        .locator('[data-list="upcoming"] li')
        .evaluateAll((lis) => lis.map((li) => li.getAttribute("data-run"))),
      [second.id, third.id],
    );
    await page.locator("#late-runs .empty", { hasText: "No run is late" }).waitFor();
    await page.locator("#failed-runs h2", { hasText: "Failed runs (1)" }).waitFor();
    await screenshot(page, "dashboard");

    // Live: a run that completes now shows without a reload.
    await finished(create("elevator", { parameters: { floors: 1, msPerFloor: 10 } }));
    await expectCount(page, "COMPLETED", 3);
    await expectCount(page, "all", 4);

    // A count opens the runs list filtered by that state.
    await page.locator('[data-count="FAILED"]').click();
    await page.waitForURL(/\/runs\?state=FAILED&range=24h$/);
    await page.locator(`[data-run="${failed.id}"]`).first().waitFor();

    // "/" is the dashboard, and the window can change.
    await page.goto(`${worker.url}/`);
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    await page.getByRole("combobox", { name: "Time window" }).selectOption("1h");
    await page.waitForURL(/\/dashboard\?window=1h$/);
    // The chart is redrawn for the new window (it may be empty while it loads): wait for the
    // 12 five-minute buckets of the last hour, not for whichever chart is on screen.
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="state-chart"] .chart-bucket').length === 12,
    );
    assert.equal(await page.getByTestId("state-chart").locator(".chart-bucket").count(), 12);
    await expectCount(page, "all", 4);
    await page.close();
  });
});

describe("the run page's Gantt chart", () => {
  it("draws a bar per task run in order of start, each as long as it ran", async () => {
    const run = await finished(create("elevator", { parameters: { floors: 4, msPerFloor: 150 } }));
    const page = await newPage(browser, errors);
    await page.goto(`${worker.url}/runs/${run.id}`);
    const gantt = page.getByTestId("gantt");
    await gantt.locator('.gantt-row[data-state="COMPLETED"]').nth(3).waitFor();
    const rows = gantt.locator(".gantt-row");
    assert.equal(await rows.count(), 4);
    // Submitted from floor 4 down: that is the order they started in.
    assert.deepEqual(await rows.locator(".gantt-label").allTextContents(), [
      "floor-4",
      "floor-3",
      "floor-2",
      "floor-1",
    ]);
    const widths = await rows
      .locator(".gantt-bar")
      .evaluateAll((bars) => bars.map((b) => b.getBoundingClientRect().width));
    assert.ok(
      (widths[0] ?? 0) > (widths[3] ?? 0) * 2,
      `floor 4 (600 ms) is drawn longer than floor 1 (150 ms): ${widths}`,
    );
    const label = (await rows.first().locator(".gantt-bar").getAttribute("aria-label")) ?? "";
    assert.match(label, /^Task run floor-4: Completed, started at \+/);
    const ticks = await gantt.locator(".gantt-tick").allTextContents();
    assert.equal(ticks[0], "0s");
    assert.ok(ticks.length >= 3, `the axis has ticks: ${ticks}`);
    await screenshot(page, "gantt-elevator");
    await page.close();
  });

  it("shows a retried task's attempts with the AwaitingRetry wait between them", async () => {
    const run = await finished(create("cat-fact", { parameters: { url: `${flaky.url}/fact-1` } }));
    assert.equal(run.state.type, "COMPLETED");
    const page = await newPage(browser, errors);
    await page.goto(`${worker.url}/runs/${run.id}`);
    const row = page.locator(".gantt-row", {
      has: page.locator(".gantt-label", { hasText: /^call-api-0$/ }),
    });
    await row.locator('[data-seg="wait"][data-name="AwaitingRetry"]').waitFor();
    assert.equal(await row.getAttribute("data-attempts"), "2");
    assert.deepEqual(
      await row
        .locator(".gantt-seg")
        .evaluateAll((segs) =>
          segs.map((s) => [
            s.getAttribute("data-seg"),
            s.getAttribute("data-name"),
            s.className.match(/state-\w+/)?.[0],
          ]),
        ),
      [
        ["run", "Running", "state-failed"],
        ["wait", "AwaitingRetry", "state-scheduled"],
        ["run", "Retrying", "state-completed"],
      ],
    );
    const wait = await row.locator('[data-seg="wait"]').boundingBox();
    assert.ok(wait !== null && wait.width > 20, `the 1 s retry delay is visible: ${wait?.width}px`);
    assert.match(
      (await row.locator(".gantt-bar").getAttribute("aria-label")) ?? "",
      /2 attempts, 1 wait \(AwaitingRetry\)/,
    );
    await screenshot(page, "gantt-retry");
    await page.close();
  });

  it("grows a running task's bar live, and links subflow bars to their runs", async () => {
    facts.mode = "hold";
    const held = await create("cat-fact", { parameters: { url: facts.url } });
    const page = await newPage(browser, errors);
    await page.goto(`${worker.url}/runs/${held.id}`);
    await facts.held();
    const bar = page.locator('.gantt-row[data-state="RUNNING"] .gantt-bar.gantt-open');
    await bar.waitFor();
    const ticks = async () => (await page.locator(".gantt-tick").allTextContents()).join(" ");
    const before = await ticks();
    // The chart's span follows the clock: its axis changes as the task keeps running.
    await waitFor("the running chart's axis to move on", async () =>
      (await ticks()) !== before ? true : undefined,
    );
    facts.release();
    await page.locator('.gantt-row[data-state="COMPLETED"]').nth(1).waitFor();
    assert.equal(await page.locator(".gantt-open").count(), 0);
    facts.mode = "ok";

    const parent = await finished(create("main-flow", { parameters: { testDataRatio: 0.3 } }));
    assert.equal(parent.state.type, "COMPLETED");
    await page.goto(`${worker.url}/runs/${parent.id}`);
    const subflows = page.locator('.gantt-row[data-kind="subflow"] a.gantt-bar');
    await subflows.nth(1).waitFor();
    assert.equal(await subflows.count(), parent.subflowRuns.length);
    const hrefs = await subflows.evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    assert.deepEqual(
      [...hrefs].sort(),
      parent.subflowRuns.map((s) => `/runs/${s.childRunId}`).sort(),
    );
    await screenshot(page, "gantt-subflows");
    const child = parent.subflowRuns[0]?.childRunId as string;
    await page.locator(`a.gantt-bar[href="/runs/${child}"]`).click();
    await page.waitForURL(new RegExp(`/runs/${child}$`));
    await page.locator('.gantt-row[data-kind="task"]').first().waitFor();
    assert.ok((await page.locator(".gantt-row").count()) >= 1);
    await page.close();
  });
});

describe("at phone width", () => {
  it("the dashboard and a run's Gantt chart fit, the chart scrolling inside itself", async () => {
    const run = await finished(create("elevator", { parameters: { floors: 6, msPerFloor: 20 } }));
    const page = await phone();
    await page.goto(`${worker.url}/dashboard`);
    await page.locator('[data-count="COMPLETED"]').waitFor();
    await page.locator('[data-list="upcoming"] li').first().waitFor();
    await fitsPhone(page, "the dashboard");
    await screenshot(page, "dashboard-phone");

    await page.goto(`${worker.url}/runs/${run.id}`);
    await page.locator('.gantt-row[data-state="COMPLETED"]').nth(5).waitFor();
    await fitsPhone(page, "the run page");
    const scroll = await page.locator(".gantt-scroll").evaluate((el) => ({
      scrollWidth: el.scrollWidth,
      clientWidth: el.clientWidth,
    }));
    assert.ok(
      scroll.scrollWidth > scroll.clientWidth,
      `the chart scrolls sideways inside itself: ${JSON.stringify(scroll)}`,
    );
    // The names stay in view while the chart scrolls.
    await page.locator(".gantt-scroll").evaluate((el) => {
      el.scrollLeft = el.scrollWidth;
    });
    const label = await page.locator(".gantt-row .gantt-label").first().boundingBox();
    assert.ok(label !== null && label.x >= 0 && label.x < 60, `the label is in view: ${label?.x}`);
    await screenshot(page, "gantt-phone");
    await page.close();
  });
});
