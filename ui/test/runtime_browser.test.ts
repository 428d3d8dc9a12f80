// The same flow code in a browser: the runtime bundled by esbuild (as a site would bundle it)
// runs a flow of tasks, a parallel group and a subflow in headless Chromium, on a plain-http
// page that is not a secure context, so `crypto.randomUUID` is missing and run ids come from
// `crypto.getRandomValues` (and `crypto.subtle` is missing, so cache keys are hashed in plain
// JavaScript). The page is served by Playwright's router (no server, no network).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { build } from "esbuild";
import type { Browser } from "playwright-core";
import { root } from "../../scripts/wrangler_dev.ts";
import { launchBrowser, newPage } from "./harness.ts";

/** A host that is not localhost: browsers treat plain http to it as an insecure context. */
const ORIGIN = "http://weir-flow.test";

const FLOW_MODULE = `
import { all, flow, InMemoryCacheStore, InMemoryJournal, inspectRun, task } from "./runtime/host.ts";

// Cached on its inputs: cache keys are SHA-256 hashes, and crypto.subtle is missing too.
const double = task({ name: "double", persistResult: true, cache: true }, (n) => n * 2);
const add = task({ name: "add", retries: 1, retryDelay: 0 }, (a, b) => a + b);
const sum = flow({ name: "sum" }, async function* ({ values }) {
  let total = 0;
  for (const value of values) total = yield* add(total, value);
  return total;
});
const pipeline = flow({ name: "browser-pipeline" }, async function* ({ n }, ctx) {
  const doubled = yield* all([double(n), double(n + 1), double(n + 2)]);
  ctx.logger.info("doubled " + doubled.join(","));
  return yield* sum({ values: doubled });
});

window.runFlow = async () => {
  const journal = new InMemoryJournal({ serialize: true });
  const cache = new InMemoryCacheStore();
  const handle = pipeline.start({ n: 1 }, { journal, cache, console: false });
  const result = await handle.result();
  const view = await inspectRun(journal, handle.runId);
  const again = pipeline.start({ n: 1 }, { journal, cache, console: false });
  await again.result();
  const second = await inspectRun(journal, again.runId);
  const child = view.steps.find((s) => s.kind === "subflow");
  return {
    result,
    runId: handle.runId,
    childRunId: child?.childRunId,
    state: view.state.name,
    tasks: view.taskRuns.map((t) => t.name + ":" + t.state.name),
    secondTasks: second.taskRuns.map((t) => t.name + ":" + t.state.name),
    hasSubtle: crypto.subtle !== undefined,
    secureContext: window.isSecureContext,
    hasRandomUUID: typeof crypto.randomUUID === "function",
  };
};
`;

let browser: Browser;
let launching: Promise<Browser> | undefined;
let bundle = "";
const errors: string[] = [];

before(async () => {
  // The browser is kept as soon as it starts, so `after` closes it even when the build fails
  // (a browser left open keeps the test process alive).
  launching = launchBrowser().then((launched) => {
    browser = launched;
    return launched;
  });
  const [built] = await Promise.all([
    build({
      stdin: { contents: FLOW_MODULE, resolveDir: root, sourcefile: "browser_flow.js" },
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      write: false,
      logLevel: "silent",
    }),
    launching,
  ]);
  bundle = built.outputFiles[0]?.text ?? "";
});

after(async () => {
  await (await launching?.catch(() => undefined))?.close();
  assert.deepEqual(errors, [], "the page threw no uncaught errors");
});

test("a flow runs with the bundled runtime on a plain-http page without crypto.randomUUID", async () => {
  assert.ok(bundle.length > 0, "esbuild bundled the runtime");
  assert.doesNotMatch(bundle, /from\s*["']node:/, "the bundle imports no Node module");
  const page = await newPage(browser, errors);
  await page.route(`${ORIGIN}/**`, (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === "/flow.js") {
      return route.fulfill({ contentType: "text/javascript", body: bundle });
    }
    return route.fulfill({
      contentType: "text/html",
      body: '<!doctype html><title>weir</title><script type="module" src="/flow.js"></script>',
    });
  });
  await page.goto(`${ORIGIN}/`);
  await page.waitForFunction(() => "runFlow" in window);
  const outcome = await page.evaluate(() =>
    (window as unknown as { runFlow(): Promise<Record<string, unknown>> }).runFlow(),
  );
  assert.equal(outcome.secureContext, false, "the page is not a secure context");
  assert.equal(outcome.hasRandomUUID, false, "so crypto.randomUUID is missing");
  assert.equal(outcome.hasSubtle, false, "and so is crypto.subtle");
  assert.equal(outcome.result, 2 + 4 + 6);
  assert.equal(outcome.state, "Completed");
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  assert.match(String(outcome.runId), uuid);
  assert.match(String(outcome.childRunId), uuid);
  assert.deepEqual(outcome.tasks, ["double:Completed", "double:Completed", "double:Completed"]);
  assert.deepEqual(
    outcome.secondTasks,
    ["double:Cached", "double:Cached", "double:Cached"],
    "a second run hits the cache (keys hashed without Web Crypto)",
  );
});
