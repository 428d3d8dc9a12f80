// The UI in headless Chromium against the real Worker (`wrangler dev`, the default app with the
// example flows): the flows page and a flow's form, a run triggered from the form followed live
// to Completed on its run page (task runs, logs, graph) without a reload or polling, a 422
// shown next to the field it names, a failed run retried, a run cancelled, subflow links, and
// the runs list filtered by state and paged with "Load more". Every wait is for a condition,
// with a timeout.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import {
  FACT,
  type FactServer,
  launchBrowser,
  newPage,
  screenshot,
  startFactServer,
  startWorker,
  type Worker,
  waitFor,
} from "./harness.ts";

interface Run {
  id: string;
  state: { type: string; name: string };
  subflowRuns: { childRunId: string }[];
}

let worker: Worker;
let facts: FactServer;
let browser: Browser;
const errors: string[] = [];

before(async () => {
  [worker, facts, browser] = await Promise.all([startWorker(), startFactServer(), launchBrowser()]);
});

after(async () => {
  await Promise.allSettled([browser?.close(), facts?.close(), worker?.stop()]);
  assert.deepEqual(errors, [], "the pages threw no uncaught errors");
});

/** The run id in a run page's URL. */
function runIdOf(page: Page): string {
  const match = /\/runs\/([0-9a-f-]{36})$/.exec(new URL(page.url()).pathname);
  assert.ok(match, `on a run page: ${page.url()}`);
  return match[1] as string;
}

/** Waits for the run page's state badge to read `name`. */
async function expectState(page: Page, name: string): Promise<void> {
  await page.locator(".run-header > .badge", { hasText: new RegExp(`^${name}$`) }).waitFor();
}

/** Creates a run through the API and waits (on the API) until it is final. */
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

describe("flows", () => {
  it("lists the example flows and opens a flow's form with its defaults", async () => {
    const page = await newPage(browser, errors);
    await page.goto(`${worker.url}/flows`);
    for (const name of ["cat-fact", "main-flow", "data-engineer", "elevator"]) {
      await page.locator(`tr[data-flow="${name}"]`).waitFor();
    }
    await screenshot(page, "flows");
    await page.locator('tr[data-flow="main-flow"] a', { hasText: "main-flow" }).click();
    await page.waitForURL(/\/flows\/main-flow$/);
    assert.equal(await page.locator("#param-testDataRatio").inputValue(), "0.2");
    assert.equal(await page.locator("#param-seed").inputValue(), "42");
    await page.getByText("> 0, < 1").waitFor();
    // The flow's graph is drawn before any run: its subflows, as the server draws them.
    await page.locator(".flow-graph svg.graph .graph-node").first().waitFor();
    const drawn = await page.locator(".flow-graph .graph-node-label").allTextContents();
    assert.ok(drawn.includes("data-engineer"), drawn.join());
    assert.ok(
      (await page.locator(".flow-graph .graph-node-meta").first().textContent())?.startsWith(
        "subflow",
      ),
    );
    // Every example flow declares its parameters now: the elevator's show as fields too.
    await page.goto(`${worker.url}/flows/elevator`);
    assert.equal(await page.locator("#param-floors").inputValue(), "10");
    assert.equal(await page.locator("#param-json").count(), 0);
    await page.close();
  });

  it("shows the API's 422 next to the field it names, and refuses non-numbers itself", async () => {
    const page = await newPage(browser, errors);
    await page.goto(`${worker.url}/flows/main-flow`);
    await page.locator("#param-testDataRatio").fill("3");
    await page.getByRole("button", { name: "Run", exact: true }).click();
    const fieldError = page.locator('[data-field="testDataRatio"] .field-error');
    await fieldError.waitFor();
    assert.match((await fieldError.textContent()) ?? "", /testDataRatio: Too big/);
    assert.equal(await page.locator("#param-testDataRatio").getAttribute("aria-invalid"), "true");
    assert.equal(await page.locator('[data-field="seed"] .field-error').count(), 0);
    await screenshot(page, "flow-form-422");
    assert.match(new URL(page.url()).pathname, /^\/flows\/main-flow$/, "stayed on the form");

    await page.locator("#param-testDataRatio").fill("0.3");
    await page.locator("#param-seed").fill("4.5");
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await page
      .locator('[data-field="seed"] .field-error', { hasText: "Enter a whole number" })
      .waitFor();
    assert.equal(await page.locator('[data-field="testDataRatio"] .field-error').count(), 0);
    await page.close();
  });
});

describe("a run triggered from the form", () => {
  it("is followed live to Completed, with its task runs, logs and graph, and no polling", async () => {
    const page = await newPage(browser, errors);
    const runGets: string[] = [];
    page.on("request", (request) => {
      if (/\/api\/runs\/[0-9a-f-]{36}$/.test(new URL(request.url()).pathname))
        runGets.push(request.url());
    });
    const sockets: string[] = [];
    page.on("websocket", (ws) => sockets.push(ws.url()));

    facts.mode = "hold";
    await page.goto(`${worker.url}/flows/cat-fact`);
    await page.locator("#param-url").fill(facts.url);
    await page.getByText("Run name and tags").click();
    await page.locator("#run-tags").fill("ui-test, nightly");
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
    const id = runIdOf(page);
    // A marker on the window: if the page reloaded, it would be gone.
    await page.evaluate(() => {
      (window as unknown as { marker: string }).marker = "same page";
    });

    await facts.held(); // the task is fetching; the run is Running
    await expectState(page, "Running");
    await page.locator('[data-testid="live-status"]', { hasText: "live" }).waitFor();
    await page.locator(".tags .tag", { hasText: "ui-test" }).waitFor();

    facts.release();
    await expectState(page, "Completed");
    assert.equal(
      await page.evaluate(() => (window as unknown as { marker?: string }).marker),
      "same page",
      "the page was not reloaded",
    );
    assert.deepEqual(runGets.length, 1, `one GET of the run, then only the socket: ${runGets}`);
    assert.deepEqual(sockets, [`${worker.url.replace("http", "ws")}/api/runs/${id}/live`]);

    // Logs: the fact the parse-fact task printed arrived over the feed.
    await page.locator(".log-line .log-message", { hasText: FACT }).waitFor();
    await page.locator(".log-line", { hasText: "Finished in state Completed()" }).first().waitFor();

    // The graph: both tasks, coloured by state, with the data edge between them.
    await page.locator('.graph-node[data-state="COMPLETED"]').nth(1).waitFor();
    assert.equal(await page.locator(".graph-node").count(), 2);
    assert.equal(await page.locator(".graph-edge.edge-data").count(), 1);
    await screenshot(page, "run-page");

    // Task runs.
    await page.getByRole("tab", { name: /Task runs/ }).click();
    for (const name of ["call-api-0", "parse-fact-0"]) {
      const row = page.locator(`tr[data-task-run="${name}"]`);
      await row.locator(".badge", { hasText: "Completed" }).waitFor();
      assert.equal(await row.locator("td").nth(2).textContent(), "1", `${name} ran once`);
    }
    await page.getByRole("tab", { name: "Result" }).click();
    await page.locator("pre.json", { hasText: FACT }).waitFor();
    await page.getByRole("tab", { name: /State history/ }).click();
    await page.locator(".timeline-list .badge", { hasText: "Completed" }).waitFor();
    await page.close();
  });

  it("links a flow of flows to its subflow runs, and each back to its parent", async () => {
    const parent = await finishedRun("main-flow", { testDataRatio: 0.3 });
    assert.equal(parent.state.type, "COMPLETED");
    const page = await newPage(browser, errors);
    await page.goto(`${worker.url}/runs/${parent.id}`);
    await expectState(page, "Completed");
    // Subflow nodes link to their runs (the graph arrives after the run: wait for it).
    await page.locator(".graph a.graph-link").nth(1).waitFor();
    assert.equal(await page.locator(".graph a.graph-link").count(), 2);
    await page.getByRole("tab", { name: /Subflow runs/ }).click();
    await page.locator("a", { hasText: "data-engineer" }).first().click();
    const child = parent.subflowRuns[0]?.childRunId;
    await page.waitForURL(new RegExp(`/runs/${child}$`));
    await expectState(page, "Completed");
    await page.getByRole("tab", { name: /Task runs \(4\)/ }).click();
    for (const name of [
      "load-data-0",
      "get-classes-0",
      "encode-categorical-columns-0",
      "split-data-0",
    ]) {
      await page.locator(`tr[data-task-run="${name}"] .badge`, { hasText: "Completed" }).waitFor();
    }
    await page.locator('.graph-node[data-state="COMPLETED"]').nth(3).waitFor();
    assert.equal(await page.locator(".graph-edge.edge-data").count(), 5);
    await page.locator('[data-testid="parent-link"]').click();
    await page.waitForURL(new RegExp(`/runs/${parent.id}$`));
    await page.close();
  });
});

describe("run actions", () => {
  it("retries a failed run from the page, and it completes", async () => {
    facts.mode = "404"; // cat-fact gives up at once on a 404 (NonRetryableError)
    const failed = await finishedRun("cat-fact", { url: facts.url });
    assert.equal(failed.state.type, "FAILED");
    const page = await newPage(browser, errors);
    await page.goto(`${worker.url}/runs/${failed.id}`);
    await expectState(page, "Failed");
    await page.locator('[data-testid="run-error"]', { hasText: "404" }).waitFor();
    facts.mode = "ok";
    const hits = facts.hits;
    await page.getByRole("button", { name: "Retry" }).click();
    await expectState(page, "Completed");
    await page.getByRole("tab", { name: /Task runs/ }).click();
    await page.locator('tr[data-task-run="call-api-0"] .badge', { hasText: "Completed" }).waitFor();
    assert.equal(facts.hits, hits + 1, "call-api ran again, once");
    // The state history keeps the failure before the retry.
    await page.getByRole("tab", { name: /State history/ }).click();
    await page.locator(".timeline-list .badge", { hasText: "Failed" }).waitFor();
    await page.close();
  });

  it("sends an event to a running run, then cancels it", async () => {
    facts.mode = "hold";
    const page = await newPage(browser, errors);
    const created = await worker.api<Run>("/api/flows/cat-fact/runs", {
      method: "POST",
      body: { parameters: { url: facts.url } },
    });
    await page.goto(`${worker.url}/runs/${created.id}`);
    await facts.held();
    await expectState(page, "Running");
    // An event the run is not waiting for is kept (the API answers with the run).
    await page.getByRole("button", { name: "Send event" }).click();
    const form = page.getByRole("form", { name: "Send an event" });
    await form.locator('textarea[name="event-payload"]').fill("{oops");
    await form.locator('input[name="event-name"]').fill("approved");
    await form.getByRole("button", { name: "Send event" }).click();
    await form.locator(".error-box", { hasText: "not valid JSON" }).waitFor();
    await form.locator('textarea[name="event-payload"]').fill('{"by": "ana"}');
    await form.getByRole("button", { name: "Send event" }).click();
    await form.waitFor({ state: "detached" });
    await page.getByRole("button", { name: "Cancel" }).click();
    await expectState(page, "Cancelled");
    assert.equal(await page.getByRole("button", { name: "Cancel" }).count(), 0);
    facts.release();
    await page.close();
  });

  it("shows the API's message when an action is refused", async () => {
    const page = await newPage(browser, errors);
    await page.goto(`${worker.url}/runs/0b7a2c1e-5d4f-4e3a-9c8b-7a6f5e4d3c2b`);
    await page.locator(".error-box", { hasText: "No run with id" }).waitFor();
    await page.goto(`${worker.url}/flows/no-such-flow`);
    await page.locator(".error-box", { hasText: "No flow named 'no-such-flow'" }).waitFor();
    await page.close();
  });
});

describe("the runs list", () => {
  it("filters by state, counts, pages with Load more, and links to runs", async () => {
    facts.mode = "404";
    await finishedRun("cat-fact", { url: facts.url });
    await finishedRun("cat-fact", { url: facts.url });
    facts.mode = "ok";
    // The run's object answers finished a moment before its index row says so: wait for the row.
    const { all, failed } = await waitFor("the index to list both failed runs", async () => {
      const all = await worker.api<{ count: number }>("/api/runs");
      const failed = await worker.api<{ count: number }>("/api/runs?state=FAILED");
      return failed.count >= 2 && all.count > failed.count ? { all, failed } : undefined;
    });

    const page = await newPage(browser, errors);
    await page.goto(`${worker.url}/runs`);
    await page
      .locator('[data-testid="run-count"]', { hasText: `${all.count} flow runs` })
      .waitFor();
    await screenshot(page, "runs");
    await page.locator('select[name="state"]').selectOption("FAILED");
    await page.waitForURL(/\/runs\?state=FAILED$/);
    await page
      .locator('[data-testid="run-count"]', { hasText: `${failed.count} flow runs` })
      .waitFor();
    const states = await page
      .locator("tr[data-run]")
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-state")));
    assert.equal(states.length, failed.count);
    assert.ok(
      states.every((s) => s === "FAILED"),
      `only failed runs: ${states}`,
    );
    await page.locator("tr[data-run] .badge", { hasText: "Failed" }).first().waitFor();

    // A page size of one: "Load more" fetches the next page with the cursor.
    await page.goto(`${worker.url}/runs?state=FAILED&limit=1`);
    await page.locator("tr[data-run]").first().waitFor();
    assert.equal(await page.locator("tr[data-run]").count(), 1);
    await page.getByRole("button", { name: "Load more" }).click();
    await waitFor("a second row", async () =>
      (await page.locator("tr[data-run]").count()) === 2 ? true : undefined,
    );
    const ids = await page
      .locator("tr[data-run]")
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-run")));
    assert.equal(new Set(ids).size, 2, "no run twice");

    await page.locator("tr[data-run] a.strong").first().click();
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
    await expectState(page, "Failed");
    await page.close();
  });

  it("follows new runs and their state changes without a reload", async () => {
    const page = await newPage(browser, errors);
    await page.goto(`${worker.url}/runs?limit=2`);
    await page.locator("tr[data-run]").nth(1).waitFor();
    // "Load more" pages stay while the list refreshes.
    await page.getByRole("button", { name: "Load more" }).click();
    await page.locator("tr[data-run]").nth(3).waitFor();
    const before = await page.locator("tr[data-run]").count();
    await page.evaluate(() => {
      (window as unknown as { marker: string }).marker = "same page";
    });

    facts.mode = "hold";
    const created = await worker.api<Run>("/api/flows/cat-fact/runs", {
      method: "POST",
      body: { parameters: { url: facts.url } },
    });
    const row = page.locator(`tr[data-run="${created.id}"]`);
    await row.waitFor();
    assert.equal(
      await page.locator("tr[data-run]").first().getAttribute("data-run"),
      created.id,
      "the new run is at the top",
    );
    await facts.held();
    await row.locator(".badge", { hasText: "Running" }).waitFor();
    facts.release();
    await row.locator(".badge", { hasText: "Completed" }).waitFor();
    assert.equal(await page.locator("tr[data-run]").count(), before + 1, "no run was dropped");
    assert.equal(
      await page.evaluate(() => (window as unknown as { marker?: string }).marker),
      "same page",
      "the page was not reloaded",
    );
    await page.close();
  });
});
