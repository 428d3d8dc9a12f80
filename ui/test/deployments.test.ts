// The deployments pages in headless Chromium against the real Worker (`wrangler dev`, the
// default app): a deployment of cat-fact created over the API is listed with its schedule in
// words and its next run, paused and resumed with its switch; on its page, the schedule
// editor previews the next times in the schedule's zone, shows the API's 422 next to the
// input it names, adds, deactivates, edits and deletes schedules, and lists the runs a
// scheduler tick (POST /api/scheduler/tick) creates as upcoming; Quick run lands on the new
// run's page; Custom run starts from the deployment's defaults and shows a bad value's 422
// next to its field; the runs list filters by deployment and shows Scheduled runs; and at
// phone width no page scrolls sideways. Every wait is for a condition, with a timeout.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { describeSchedule } from "../../protocol/schedule_words.ts";
import {
  type FactServer,
  launchBrowser,
  newPage,
  screenshot,
  startFactServer,
  startWorker,
  WAIT_MS,
  type Worker,
  waitFor,
} from "./harness.ts";

interface Schedule {
  id: string;
  active: boolean;
  schedule: Record<string, unknown>;
  nextRunAt: number | null;
}

interface Deployment {
  id: string;
  flowName: string;
  name: string;
  paused: boolean;
  parameters: Record<string, unknown>;
  schedules: Schedule[];
}

interface RunSummary {
  id: string;
  deploymentId: string | null;
  state: { type: string; name: string };
}

let worker: Worker;
let facts: FactServer;
let browser: Browser;
let deployment: Deployment;
const errors: string[] = [];

before(async () => {
  [worker, facts, browser] = await Promise.all([startWorker(), startFactServer(), launchBrowser()]);
  deployment = await worker.api<Deployment>("/api/deployments", {
    method: "POST",
    body: {
      flowName: "cat-fact",
      name: "ui-hourly",
      description: "Cat facts every hour, from the test's fact server",
      tags: ["ui-test"],
      parameters: { url: facts.url },
      schedules: [{ schedule: { interval: "1h" } }],
    },
  });
});

after(async () => {
  await Promise.allSettled([browser?.close(), facts?.close(), worker?.stop()]);
  assert.deepEqual(errors, [], "the pages threw no uncaught errors");
});

const getDeployment = () => worker.api<Deployment>(`/api/deployments/${deployment.id}`);

/** Waits until the API's view of the deployment satisfies `check`. */
function untilDeployment(what: string, check: (d: Deployment) => boolean): Promise<Deployment> {
  return waitFor(what, async () => {
    const d = await getDeployment();
    return check(d) ? d : undefined;
  });
}

/** The run id in a run page's URL. */
function runIdOf(page: Page): string {
  const match = /\/runs\/([0-9a-f-]{36})$/.exec(new URL(page.url()).pathname);
  assert.ok(match, `on a run page: ${page.url()}`);
  return match[1] as string;
}

describe("the deployments list", () => {
  it("shows the deployment's schedule in words and next run, and pauses and resumes it", async () => {
    const page = await newPage(browser, errors);
    await page.goto(`${worker.url}/runs`);
    await page.getByRole("link", { name: "Deployments" }).click();
    await page.waitForURL(/\/deployments$/);
    const row = page.locator(`tr[data-deployment="${deployment.id}"]`);
    await row.waitFor();
    await row.locator("a.strong", { hasText: "ui-hourly" }).waitFor();
    assert.match((await row.textContent()) ?? "", /cat-fact/);
    await row.locator(".tag", { hasText: "ui-test" }).waitFor();
    await row
      .locator(`li[data-schedule="${deployment.schedules[0]?.id}"]`, {
        hasText: describeSchedule({ interval: "1h" }),
      })
      .waitFor();
    const next = (await getDeployment()).schedules[0]?.nextRunAt ?? null;
    if (next !== null) await row.locator(".next-run time", { hasText: /^in / }).waitFor();
    await screenshot(page, "deployments");

    const toggle = row.getByRole("switch");
    assert.equal(await toggle.isChecked(), true, "an active deployment's switch is on");
    await row.locator(".switch").click();
    await row.locator('[data-testid="paused-state"]', { hasText: "Paused" }).waitFor();
    await untilDeployment("the deployment to be paused", (d) => d.paused);
    assert.equal(await toggle.isChecked(), false);
    await row.locator(".next-run").waitFor({ state: "detached" });

    await row.locator(".switch").click();
    await row.locator('[data-testid="paused-state"]', { hasText: "Active" }).waitFor();
    await untilDeployment("the deployment to be resumed", (d) => !d.paused);
    await page.close();
  });
});

describe("a deployment's schedules", () => {
  it("previews the next times in the schedule's zone, shows 422s next to inputs, and adds it", async () => {
    const page = await newPage(browser, errors);
    await page.goto(`${worker.url}/deployments`);
    await page.locator(`tr[data-deployment="${deployment.id}"] a.strong`).click();
    await page.waitForURL(new RegExp(`/deployments/${deployment.id}$`));
    await page.locator("h1", { hasText: "ui-hourly" }).waitFor();
    await page.locator(".deployment-description", { hasText: "Cat facts every hour" }).waitFor();
    await page.locator(".schedule-row .schedule-words", { hasText: "Every hour" }).waitFor();

    await page.getByRole("button", { name: "Add schedule" }).click();
    const editor = page.getByRole("form", { name: "Schedule" });
    await editor.getByLabel("Cron", { exact: true }).check();
    await editor.locator("#schedule-value").fill("0 0 * * *");
    await editor.locator("#schedule-timezone").fill("America/Sao_Paulo");
    const preview = editor.locator('[data-testid="schedule-preview"]');
    await preview
      .locator(".schedule-words", {
        hasText: describeSchedule({ cron: "0 0 * * *", timezone: "America/Sao_Paulo" }),
      })
      .waitFor();
    await preview.locator("li[data-time]").nth(4).waitFor();
    const times = await preview
      .locator("li[data-time]")
      .evaluateAll((items) => items.map((li) => li.getAttribute("data-time") ?? ""));
    assert.equal(times.length, 5, `five times: ${times}`);
    for (const time of times) {
      assert.match(time, /T00:00:00(\.000)?-03:00$/, "midnight in São Paulo, with its offset");
    }
    assert.ok(
      times.every((t, i) => i === 0 || Date.parse(t) > Date.parse(times[i - 1] as string)),
      "ascending",
    );
    assert.match((await preview.locator("li").first().textContent()) ?? "", /00:00 -03:00 · in /);
    await screenshot(page, "schedule-preview");

    // A bad cron and a bad zone: the preview's 422s go next to their inputs.
    await editor.locator("#schedule-value").fill("61 * * * *");
    await editor.locator('[data-field="value"] .field-error').waitFor();
    assert.equal(await editor.locator("#schedule-value").getAttribute("aria-invalid"), "true");
    await editor.locator("#schedule-value").fill("0 0 * * *");
    await editor.locator('[data-field="value"] .field-error').waitFor({ state: "detached" });
    await editor.locator("#schedule-timezone").fill("Mars/Olympus_Mons");
    await editor.locator('[data-field="timezone"] .field-error').waitFor();
    assert.equal(await editor.locator('[data-field="value"] .field-error').count(), 0);
    // Saving with the bad zone: the API's 422 from the save goes there too.
    await editor.getByRole("button", { name: "Add schedule" }).click();
    await editor.locator('[data-field="timezone"] .field-error').waitFor();
    assert.equal((await getDeployment()).schedules.length, 1, "nothing was added");

    await editor.locator("#schedule-timezone").fill("America/Sao_Paulo");
    await preview.locator("li[data-time]").nth(4).waitFor();
    await editor.getByRole("button", { name: "Add schedule" }).click();
    await editor.waitFor({ state: "detached" });
    const added = await untilDeployment(
      "the schedule to be added",
      (d) => d.schedules.length === 2,
    );
    const cron = added.schedules.find((s) => "cron" in s.schedule);
    assert.deepEqual(cron?.schedule, { cron: "0 0 * * *", timezone: "America/Sao_Paulo" });
    assert.equal(cron?.active, true);
    await page
      .locator(`li[data-schedule="${cron?.id}"] .schedule-words`, {
        hasText: "At 00:00 in America/Sao_Paulo",
      })
      .waitFor();
    await page.close();
  });

  it("lists the runs the scheduler creates as upcoming, soonest first", async () => {
    const tick = await worker.api<{ runsCreated: number }>("/api/scheduler/tick", {
      method: "POST",
    });
    assert.ok(tick.runsCreated >= 3, `the tick created runs: ${JSON.stringify(tick)}`);
    const { runs } = await worker.api<{ runs: (RunSummary & { scheduledAt: number })[] }>(
      `/api/deployments/${deployment.id}/runs?state=SCHEDULED&limit=10`,
    );
    assert.ok(runs.length >= 3, "at least three runs ahead (Prefect's rule)");
    const page = await newPage(browser, errors);
    await page.goto(`${worker.url}/deployments/${deployment.id}`);
    const rows = page.locator(".upcoming-runs tr[data-run]");
    await rows.nth(runs.length - 1).waitFor();
    const shown = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-run")));
    assert.deepEqual(
      shown,
      runs.map((r) => r.id),
      "the API's upcoming runs, soonest first",
    );
    await rows.first().locator(".badge", { hasText: "Scheduled" }).waitFor();
    await rows.first().locator("time", { hasText: /^in / }).waitFor();
    await screenshot(page, "deployment-upcoming");
    await page.close();
  });

  it("deactivates, edits and deletes a schedule", async () => {
    const start = await getDeployment();
    const interval = start.schedules.find((s) => "interval" in s.schedule);
    assert.ok(interval !== undefined);
    const page = await newPage(browser, errors);
    await page.goto(`${worker.url}/deployments/${deployment.id}`);
    const row = page.locator(`li[data-schedule="${interval.id}"]`);
    await row.waitFor();

    await row.locator(".switch").click();
    await page.locator(`li[data-schedule="${interval.id}"][data-active="false"]`).waitFor();
    await untilDeployment("the schedule to be inactive", (d) =>
      d.schedules.some((s) => s.id === interval.id && !s.active),
    );
    await row.locator(".switch").click();
    await page.locator(`li[data-schedule="${interval.id}"][data-active="true"]`).waitFor();

    await row.getByRole("button", { name: "Edit" }).click();
    const editor = page.getByRole("form", { name: "Schedule" });
    assert.equal(await editor.locator("#schedule-value").inputValue(), "1h");
    assert.equal(await editor.getByLabel("Interval", { exact: true }).isChecked(), true);
    await editor.locator("#schedule-value").fill("2h");
    await editor.locator(".schedule-words", { hasText: "Every 2 hours" }).waitFor();
    await editor.getByRole("button", { name: "Save schedule" }).click();
    await page
      .locator(`li[data-schedule="${interval.id}"] .schedule-words`, { hasText: "Every 2 hours" })
      .waitFor();
    await untilDeployment("the schedule to be edited", (d) =>
      d.schedules.some((s) => s.id === interval.id && s.schedule.interval === "2h"),
    );

    await row.getByRole("button", { name: "Delete" }).click();
    await row.getByRole("button", { name: "Delete it" }).click();
    await row.waitFor({ state: "detached" });
    const left = await untilDeployment("the schedule to be deleted", (d) =>
      d.schedules.every((s) => s.id !== interval.id),
    );
    assert.equal(left.schedules.length, 1);
    await page.close();
  });
});

describe("running a deployment", () => {
  it("Quick run starts a run with the defaults and lands on its page", async () => {
    facts.mode = "ok";
    const page = await newPage(browser, errors);
    await page.goto(`${worker.url}/deployments/${deployment.id}`);
    await page.getByRole("button", { name: "Quick run" }).click();
    // Lands on the run's page, or fails with the API's message if the run was refused.
    const refused = page.locator('[data-testid="quick-run-error"]');
    await Promise.race([
      page.waitForURL(/\/runs\/[0-9a-f-]{36}$/),
      refused.waitFor().then(async () => {
        assert.fail(`Quick run was refused: ${await refused.textContent()}`);
      }),
    ]);
    const id = runIdOf(page);
    await page.locator(".run-header > .badge", { hasText: /^Completed$/ }).waitFor();
    // The run page links back to its deployment.
    assert.equal(
      await page.getByTestId("deployment-link").getAttribute("href"),
      `/deployments/${deployment.id}`,
    );
    const mine = await waitFor("the run in the deployment's index", async () => {
      const { runs } = await worker.api<{ runs: RunSummary[] }>(
        `/api/runs?deployment=${deployment.id}`,
      );
      return runs.find((r) => r.id === id);
    });
    assert.equal(mine.deploymentId, deployment.id);

    // Back on the deployment's page, it is among the recent runs.
    await page.goto(`${worker.url}/deployments/${deployment.id}`);
    await page
      .locator(`.recent-runs tr[data-run="${id}"] .badge`, { hasText: "Completed" })
      .waitFor();
    await page.close();
  });

  it("Custom run starts from the defaults and shows a bad value's 422 next to its field", async () => {
    const page = await newPage(browser, errors);
    await page.goto(`${worker.url}/deployments/${deployment.id}`);
    await page.getByRole("button", { name: "Custom run" }).click();
    const url = page.locator("#param-url");
    await url.waitFor();
    assert.equal(await url.inputValue(), facts.url, "prefilled with the deployment's default");
    await url.fill("not a url");
    await page.getByRole("button", { name: "Run", exact: true }).click();
    const fieldError = page.locator('[data-field="url"] .field-error');
    await fieldError.waitFor();
    assert.equal(await url.getAttribute("aria-invalid"), "true");
    assert.match(new URL(page.url()).pathname, /^\/deployments\//, "stayed on the form");
    await screenshot(page, "custom-run-422");

    await url.fill(facts.url);
    await page.getByText("Run name and tags").click();
    await page.locator("#run-name").fill("custom-from-ui");
    await page.locator("#run-tags").fill("adhoc");
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
    await page.locator(".run-header", { hasText: "custom-from-ui" }).waitFor();
    // The deployment's tags are merged with the run's.
    await page.locator(".tags .tag", { hasText: "adhoc" }).first().waitFor();
    await page.locator(".tags .tag", { hasText: "ui-test" }).first().waitFor();
    await page.close();
  });
});

describe("the runs list", () => {
  it("filters by deployment and shows Scheduled runs", async () => {
    const later = Date.now() + 3_600_000;
    const scheduled = await worker.api<{ id: string }>(`/api/deployments/${deployment.id}/runs`, {
      method: "POST",
      body: { scheduledAt: later, name: "later-from-test" },
    });
    const page = await newPage(browser, errors);
    await page.goto(`${worker.url}/runs`);
    await page.locator(`select[name="deployment"] option[value="${deployment.id}"]`).waitFor({
      state: "attached",
    });
    await page.locator('select[name="deployment"]').selectOption(deployment.id);
    await page.waitForURL(new RegExp(`/runs\\?deployment=${deployment.id}$`));
    const row = page.locator(`tr[data-run="${scheduled.id}"]`);
    await row.locator(".badge", { hasText: "Scheduled" }).waitFor();
    await row.locator("time", { hasText: /^in / }).waitFor();
    const { count } = await worker.api<{ count: number }>(`/api/runs?deployment=${deployment.id}`);
    await page.locator('[data-testid="run-count"]', { hasText: `${count} flow runs` }).waitFor();
    const ids = await page
      .locator("tr[data-run]")
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-run")));
    assert.equal(ids.length, count, "only this deployment's runs");

    // The deployment's page lists it among the upcoming runs.
    await page.goto(`${worker.url}/deployments/${deployment.id}`);
    await page.locator(`.upcoming-runs tr[data-run="${scheduled.id}"]`).waitFor();
    await page.close();
  });
});

describe("at phone size", () => {
  const WIDTH = 390;

  it("the deployments list and a deployment's page do not scroll sideways", async () => {
    const env = process.env.WEIR_UI_SCREENSHOTS;
    const shots =
      env !== undefined && env !== ""
        ? join(env, "phone")
        : mkdtempSync(join(tmpdir(), "weir-deployments-shots-"));
    mkdirSync(shots, { recursive: true });
    console.log(`deployments phone screenshots: ${shots}`);
    const context = await browser.newContext({
      viewport: { width: WIDTH, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
    const fits = async (name: string) => {
      const width = await page.evaluate(() => document.scrollingElement?.scrollWidth ?? 0);
      await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
      assert.ok(width <= WIDTH, `${name}: the page is ${width}px wide, wider than ${WIDTH}px`);
    };
    const onScreen = async (selector: string) => {
      const box = await page.locator(selector).first().boundingBox();
      assert.ok(box !== null && box.x >= 0 && box.x + box.width <= WIDTH, `${selector} on screen`);
    };

    // A run of the deployment, so its page lists one (this test can run alone).
    await worker.api(`/api/deployments/${deployment.id}/runs`, { method: "POST", body: {} });
    await page.goto(`${worker.url}/deployments`);
    await page.locator(`tr[data-deployment="${deployment.id}"]`).waitFor();
    await fits("deployments");
    await onScreen(`tr[data-deployment="${deployment.id}"] .switch`);

    await page.goto(`${worker.url}/deployments/${deployment.id}`);
    await page.locator(".schedule-row").first().waitFor();
    await page.locator(".recent-runs tr[data-run]").first().waitFor();
    await fits("deployment");
    await onScreen('button:has-text("Quick run")');
    await page.getByRole("button", { name: "Add schedule" }).click();
    await page.locator("#schedule-value").fill("*/15 * * * *");
    await page.locator('[data-testid="schedule-preview"] li[data-time]').nth(4).waitFor();
    await fits("schedule-editor");
    await page.getByRole("button", { name: "Custom run" }).click();
    await page.locator("#param-url").waitFor();
    await fits("custom-run");
    await context.close();
  });
});
