// The concurrency limit pages in headless Chromium against the real Worker (the default app):
// a limit created through the form (422s next to their inputs), listed, switched, edited and
// deleted; two runs of examples/concurrency's `db-writer` (limit "db", 1 slot, held until an
// event): the limit page shows holder and waiter, the waiting run links to the limit, and the
// second holds once the first gets "done"; a deployment's concurrency edited on its page, its
// waiting run's badge and slots; no sideways scroll at phone width. Every wait is a condition.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import {
  launchBrowser,
  newPage,
  screenshot,
  startWorker,
  WAIT_MS,
  type Worker,
  waitFor,
} from "./harness.ts";

type State = { type: string; name: string; message?: string };
interface Limit {
  limit: number;
  active: boolean;
  slotDecayPerSecond: number;
  holders: { runId: string }[];
  waiters: { runId: string; position: number }[];
}
interface Run {
  id: string;
  state: State;
  steps: { state: State }[];
}
interface Deployment {
  id: string;
  concurrencyLimit: number | null;
  collisionStrategy: string;
  concurrencyKey: string | null;
}

let worker: Worker | undefined;
let browser: Browser | undefined;
const errors: string[] = [];

before(async () => {
  // Each is kept as soon as it starts, so `after` stops whichever started if the other failed.
  const started = await Promise.allSettled([
    startWorker().then((w) => {
      worker = w;
    }),
    launchBrowser().then((b) => {
      browser = b;
    }),
  ]);
  const failed = started.find((s) => s.status === "rejected");
  if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
});

after(async () => {
  await Promise.allSettled([browser?.close(), worker?.stop()]);
  assert.deepEqual(errors, [], "the pages threw no uncaught errors");
});

function api<T>(path: string, init?: { method?: string; body?: unknown }): Promise<T> {
  assert.ok(worker, "the Worker started");
  return worker.api<T>(path, init);
}

const url = (path: string) => `${worker?.url}${path}`;
const limitPath = (name: string) => `/api/concurrency-limits/${encodeURIComponent(name)}`;

/** A page in the test's browser. */
function open(): Promise<Page> {
  assert.ok(browser, "the browser started");
  return newPage(browser, errors);
}

/** Waits until the API's view of limit `name` satisfies `check`. */
function untilLimit(what: string, name: string, check: (l: Limit) => boolean): Promise<Limit> {
  return waitFor(what, async () => {
    const l = await api<Limit>(limitPath(name));
    return check(l) ? l : undefined;
  });
}

/** The API answers 404 for limit `name`. */
async function gone(name: string): Promise<boolean> {
  const res = await fetch(url(limitPath(name)));
  return res.status === 404;
}

describe("the concurrency limits list", () => {
  it("creates a limit through the form, with the API's 422s next to their inputs", async () => {
    const page = await open();
    await page.goto(url("/runs"));
    await page.getByRole("link", { name: "Concurrency" }).click();
    await page.waitForURL(/\/concurrency-limits$/);
    await page.getByRole("heading", { name: "Concurrency limits" }).waitFor();
    await page.getByRole("button", { name: "New limit" }).click();
    const form = page.getByRole("form", { name: "New limit" });

    // Not an integer: the API's 422 goes next to the limit.
    await form.locator("#limit-name").fill("ui-test-db");
    await form.locator("#limit-limit").fill("1.5");
    await form.getByRole("button", { name: "Create limit" }).click();
    await form.locator('[data-field="limit"] .field-error', { hasText: "integer" }).waitFor();
    assert.equal(await form.locator("#limit-limit").getAttribute("aria-invalid"), "true");
    assert.equal(await gone("ui-test-db"), true, "nothing was created");

    // A reserved name: next to the name.
    await form.locator("#limit-limit").fill("3");
    await form.locator("#limit-name").fill("deployment:nope");
    await form.getByRole("button", { name: "Create limit" }).click();
    await form.locator('[data-field="name"] .field-error', { hasText: "reserved" }).waitFor();

    // A negative decay: next to the decay.
    await form.locator("#limit-name").fill("ui-test-db");
    await form.locator("#limit-slotDecayPerSecond").fill("-1");
    await form.getByRole("button", { name: "Create limit" }).click();
    await form.locator('[data-field="slotDecayPerSecond"] .field-error').waitFor();

    await form.locator("#limit-slotDecayPerSecond").fill("");
    await form.getByRole("button", { name: "Create limit" }).click();
    await form.waitFor({ state: "detached" });
    const row = page.locator('tr[data-limit="ui-test-db"]');
    await row.locator('[data-testid="slots"][data-slots="0/3"]').waitFor();
    const created = await api<Limit>(limitPath("ui-test-db"));
    assert.deepEqual([created.limit, created.slotDecayPerSecond, created.active], [3, 0, true]);

    // The same name again: 409 on the name.
    await page.getByRole("button", { name: "New limit" }).click();
    await form.locator("#limit-name").fill("ui-test-db");
    await form.locator("#limit-limit").fill("1");
    await form.getByRole("button", { name: "Create limit" }).click();
    await form.locator('[data-field="name"] .field-error', { hasText: "already exists" }).waitFor();

    // A rate limit is labelled as one.
    await form.locator("#limit-name").fill("ui-test-rate");
    await form.locator("#limit-limit").fill("10");
    await form.locator("#limit-slotDecayPerSecond").fill("0.5");
    await form.getByRole("button", { name: "Create limit" }).click();
    await form.waitFor({ state: "detached" });
    await page
      .locator('tr[data-limit="ui-test-rate"] .rate-pill', { hasText: "rate limit: 0.5 slots/s" })
      .waitFor();

    // The switch turns it off (the API says so), and on again.
    await row.locator(".switch").click();
    await row.locator('[data-testid="active-state"]', { hasText: "Inactive" }).waitFor();
    await untilLimit("the limit to be inactive", "ui-test-db", (l) => !l.active);
    await row.locator(".switch").click();
    await row.locator('[data-testid="active-state"]', { hasText: /^Active$/ }).waitFor();
    await untilLimit("the limit to be active", "ui-test-db", (l) => l.active);
    await screenshot(page, "concurrency-limits");
    await page.close();
  });

  it("edits a limit on its page, and deletes it after asking", async () => {
    const page = await open();
    await page.goto(url("/concurrency-limits"));
    await page.locator('tr[data-limit="ui-test-db"] a.limit-name').click();
    await page.waitForURL(/\/concurrency-limits\/ui-test-db$/);
    await page.locator(".limit-holders .empty", { hasText: "No slot is held" }).waitFor();

    await page.getByRole("button", { name: "Edit" }).click();
    const form = page.getByRole("form", { name: "Edit limit" });
    assert.equal(await form.locator("#limit-limit").inputValue(), "3");
    await form.locator("#limit-limit").fill("-2");
    await form.getByRole("button", { name: "Save" }).click();
    await form.locator('[data-field="limit"] .field-error').waitFor();
    await form.locator("#limit-limit").fill("5");
    await form.getByRole("button", { name: "Save" }).click();
    await form.waitFor({ state: "detached" });
    await page.locator('[data-testid="limit-value"]', { hasText: /^5$/ }).waitFor();
    await untilLimit("the limit to be 5", "ui-test-db", (l) => l.limit === 5);

    await page.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("button", { name: "Keep" }).click();
    assert.equal(await gone("ui-test-db"), false, "Keep kept it");
    await page.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("button", { name: "Delete it" }).click();
    await page.waitForURL(/\/concurrency-limits$/);
    await page.locator('tr[data-limit="ui-test-rate"]').waitFor();
    assert.equal(await page.locator('tr[data-limit="ui-test-db"]').count(), 0);
    assert.equal(await gone("ui-test-db"), true, "the API deleted it before the page moved on");
    await page.close();
  });
});

/** Whether the run, or one of its steps, waits for limit `name` (the engine's message). */
function waitsFor(run: Run, name: string): boolean {
  const quoted = `Waiting for concurrency limit '${name}'`;
  return [run.state, ...run.steps.map((s) => s.state)].some(
    (s) => s.name === "AwaitingConcurrencySlot" && (s.message ?? "").startsWith(quoted),
  );
}

describe("runs holding and waiting for a limit", () => {
  it("shows the holder and the waiter, links the waiting run to the limit, and hands over", async () => {
    const start = () =>
      api<Run>("/api/flows/db-writer/runs", { method: "POST", body: { parameters: {} } });
    const first = await start();
    await untilLimit("the first run to hold 'db'", "db", (l) =>
      l.holders.some((h) => h.runId === first.id),
    );
    const second = await start();
    await untilLimit("the second run to wait for 'db'", "db", (l) =>
      l.waiters.some((w) => w.runId === second.id && w.position === 1),
    );
    await waitFor("the second run to say it waits", async () =>
      waitsFor(await api<Run>(`/api/runs/${second.id}`), "db") ? true : undefined,
    );

    const page = await open();
    await page.goto(url("/concurrency-limits"));
    const row = page.locator('tr[data-limit="db"]');
    await row.locator('[data-testid="slots"][data-slots="1/1"]').waitFor();
    await row.locator('[data-testid="holders"]', { hasText: /^1$/ }).waitFor();
    await row.locator('[data-testid="waiters"]', { hasText: /^1$/ }).waitFor();
    await row.locator("a.limit-name").click();
    await page.waitForURL(/\/concurrency-limits\/db$/);
    await page.locator(`.limit-holders tr[data-holder="${first.id}"]`).waitFor();
    const waiter = page.locator(`.limit-waiters tr[data-waiter="${second.id}"][data-position="1"]`);
    await waiter.waitFor();
    assert.equal(await page.locator(".limit-waiters tbody tr").count(), 1);
    await page
      .locator(".limit-holders td", { hasText: /^in \d+[sm]$/ })
      .first()
      .waitFor();
    await screenshot(page, "concurrency-limit-db");

    // The waiting run's page says why, and links back to the limit.
    await waiter.locator(`a[data-run-link="${second.id}"]`).click();
    await page.waitForURL(new RegExp(`/runs/${second.id}$`));
    const link = page.locator('[data-testid="run-waits"] a[data-testid="waiting-limit"]');
    await link.first().waitFor();
    assert.equal(await link.first().textContent(), "db");
    assert.match(
      (await page.locator('[data-testid="run-waits"]').textContent()) ?? "",
      /Waiting for concurrency limit 'db' \(1\/1 slots held\)/,
    );
    await screenshot(page, "concurrency-waiting-run");

    await link.first().click();
    await page.waitForURL(/\/concurrency-limits\/db$/);
    await page.locator(`.limit-holders tr[data-holder="${first.id}"]`).waitFor();

    // The first run gets its event and finishes: the second becomes the holder, on screen.
    await api(`/api/runs/${first.id}/events/done`, { method: "POST", body: {} });
    await page.locator(`.limit-holders tr[data-holder="${second.id}"]`).waitFor();
    await page.locator(".limit-waiters .empty", { hasText: "Nothing is waiting" }).waitFor();
    assert.equal(await page.locator(`.limit-holders tr[data-holder="${first.id}"]`).count(), 0);

    await api(`/api/runs/${second.id}/events/done`, { method: "POST", body: {} });
    await page.locator('.limit-slots [data-testid="slots"][data-slots="0/1"]').waitFor();
    await page.locator(".limit-holders .empty", { hasText: "No slot is held" }).waitFor();
    for (const run of [first, second]) {
      await waitFor(`run ${run.id} to complete`, async () => {
        const r = await api<Run>(`/api/runs/${run.id}`);
        return r.state.type === "COMPLETED" ? r : undefined;
      });
    }
    await page.close();
  });
});

describe("a deployment's concurrency", () => {
  it("edits the limit, collision strategy and key on the deployment's page", async () => {
    const d = await api<Deployment>("/api/deployments", {
      method: "POST",
      body: { flowName: "db-writer", name: "ui-concurrency" },
    });
    const page = await open();
    await page.goto(url(`/deployments/${d.id}`));
    const card = page.locator(".deployment-concurrency");
    await card.locator('[data-testid="concurrency-limit"]', { hasText: "none" }).waitFor();
    await card.getByRole("button", { name: "Edit concurrency" }).click();
    const form = card.getByRole("form", { name: "Deployment concurrency" });
    await form.locator("#deployment-concurrencyLimit").fill("-1");
    await form.getByRole("button", { name: "Save" }).click();
    await form.locator('[data-field="concurrencyLimit"] .field-error').waitFor();

    await form.locator("#deployment-concurrencyLimit").fill("2");
    await form.locator("#deployment-collisionStrategy").selectOption("CANCEL_NEW");
    await form.locator("#deployment-concurrencyKey").fill("customer.id");
    await form.getByRole("button", { name: "Save" }).click();
    await form.waitFor({ state: "detached" });
    await card
      .locator('[data-testid="concurrency-limit"]', { hasText: "2 runs at once" })
      .waitFor();
    await card.locator('[data-testid="collision-strategy"]', { hasText: "CANCEL_NEW" }).waitFor();
    await card
      .locator('[data-testid="concurrency-key"] code', { hasText: "customer.id" })
      .waitFor();
    const { concurrencyLimit, collisionStrategy, concurrencyKey } = await api<Deployment>(
      `/api/deployments/${d.id}`,
    );
    assert.deepEqual(
      { concurrencyLimit, collisionStrategy, concurrencyKey },
      { concurrencyLimit: 2, collisionStrategy: "CANCEL_NEW", concurrencyKey: "customer.id" },
    );

    // Cleared: no limit, no key.
    await card.getByRole("button", { name: "Edit concurrency" }).click();
    await form.locator("#deployment-concurrencyLimit").fill("");
    await form.locator("#deployment-concurrencyKey").fill("");
    await form.getByRole("button", { name: "Save" }).click();
    await card.locator('[data-testid="concurrency-limit"]', { hasText: "none" }).waitFor();
    const cleared = await api<Deployment>(`/api/deployments/${d.id}`);
    assert.equal(cleared.concurrencyLimit, null);
    assert.equal(cleared.concurrencyKey, null);
    await page.close();
  });

  it("shows the waiting run's state in the runs list and its slot on the deployment's page", async () => {
    const d = await api<Deployment>("/api/deployments", {
      method: "POST",
      body: { flowName: "db-writer", name: "ui-one-at-a-time", concurrencyLimit: 1 },
    });
    const limitName = `deployment:${d.id}`;
    const start = () =>
      api<Run>(`/api/deployments/${d.id}/runs`, { method: "POST", body: { parameters: {} } });
    const first = await start();
    await untilLimit("the first run to hold the deployment's slot", limitName, (l) =>
      l.holders.some((h) => h.runId === first.id),
    );
    const second = await start();
    await waitFor("the second run to wait for the deployment's slot", async () => {
      const run = await api<Run>(`/api/runs/${second.id}`);
      return run.state.name === "AwaitingConcurrencySlot" && waitsFor(run, limitName)
        ? run
        : undefined;
    });

    const page = await open();
    await page.goto(url("/runs"));
    await page
      .locator(`tr[data-run="${second.id}"] .badge[data-name="AwaitingConcurrencySlot"]`)
      .waitFor();
    assert.equal(
      await page.locator(`tr[data-run="${second.id}"] .badge`).getAttribute("data-state"),
      "SCHEDULED",
    );

    await page.goto(url(`/deployments/${d.id}`));
    const card = page.locator(".deployment-concurrency");
    await card.locator('[data-testid="concurrency-limit"]', { hasText: "1 run at once" }).waitFor();
    const slots = page.locator(`.deployment-slots section[data-limit="${limitName}"]`);
    await slots.locator(`tr[data-holder="${first.id}"]`).waitFor();
    await slots.locator(`tr[data-waiter="${second.id}"][data-position="1"]`).waitFor();

    // The waiting run's page names the deployment's limit and links to its page.
    await page.goto(url(`/runs/${second.id}`));
    const link = page.locator('[data-testid="run-waiting"] a[data-testid="waiting-limit"]');
    await link.waitFor();
    assert.equal(await link.textContent(), limitName);
    await link.click();
    await page.waitForURL(/\/concurrency-limits\/deployment%3A/);
    await page.locator(".limit-owner a", { hasText: "db-writer / ui-one-at-a-time" }).waitFor();
    await page.locator(`.limit-waiters tr[data-waiter="${second.id}"]`).waitFor();

    // The first finishes: the second holds the deployment's slot, then finishes too.
    await api(`/api/runs/${first.id}/events/done`, { method: "POST", body: {} });
    await page.locator(`.limit-holders tr[data-holder="${second.id}"]`).waitFor();
    await waitFor("the second run to hold 'db'", async () => {
      const l = await api<Limit>(limitPath("db"));
      return l.holders.some((h) => h.runId === second.id) ? true : undefined;
    });
    await api(`/api/runs/${second.id}/events/done`, { method: "POST", body: {} });
    await page.locator(".limit-holders .empty", { hasText: "No slot is held" }).waitFor();
    await page.close();
  });
});

describe("at phone width", () => {
  it("the list and a limit's page do not scroll sideways", async () => {
    assert.ok(browser, "the browser started");
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
    await page.goto(url("/concurrency-limits"));
    await page.locator('tr[data-limit="ui-test-rate"]').waitFor();
    await page.getByRole("button", { name: "New limit" }).click();
    await page.getByRole("form", { name: "New limit" }).waitFor();
    const wide = () => page.evaluate(() => document.scrollingElement?.scrollWidth ?? 0);
    assert.ok((await wide()) <= 390, `the list is ${await wide()}px wide`);
    await screenshot(page, "concurrency-limits-phone");
    await page.goto(url("/concurrency-limits/ui-test-rate"));
    await page.locator(".limit-holders").waitFor();
    assert.ok((await wide()) <= 390, `the limit page is ${await wide()}px wide`);
    await screenshot(page, "concurrency-limit-phone");
    await context.close();
  });
});
