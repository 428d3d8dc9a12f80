/**
 * The crash test's bounded form, run by `npm test` (`npm run test:reliability`): 20 runs of 20
 * steps, `wrangler dev` killed with SIGKILL 3 times. Asserts correctness only; the resume
 * times are printed, never asserted (timed assertions are flaky on a shared machine). The
 * full form is `npm run reliability` (100 runs, 10 kills).
 *
 * @module
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { report, runCrashTest } from "./crash.ts";

test("runs survive 3 kills of wrangler dev: right results, no step re-run once stored, no log line lost", {
  // Bundling, 4 server starts and the runs take 1–4 minutes on 2 cores; a run interrupted by a
  // kill may wait for its 60 s watchdog alarm.
  timeout: 15 * 60_000,
}, async () => {
  const result = await runCrashTest({
    runs: 20,
    kills: 3,
    log: (line) => console.log(line),
  });
  for (const line of report(result)) console.log(line);
  assert.deepEqual(result.violations, []);
  assert.equal(result.figures.runs, 20);
  assert.equal(result.figures.kills, 3);
});
