// Errors that say what happened and what to do: causes are logged with the exception (a failed
// fetch names the refused connection), and a missing Deno permission is not retried.
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { test } from "node:test";
import {
  describeError,
  flow,
  InMemoryJournal,
  InMemoryLogStore,
  inspectRun,
  isNonRetryable,
  NonRetryableError,
  stackFrames,
  task,
} from "./host.ts";
import { FakeClock } from "./testing/fake_clock.ts";

async function runOneTask(fn: () => unknown, retries: number) {
  let calls = 0;
  const t = task({ name: "call", retries, retryDelay: 1 }, async () => {
    calls++;
    return await fn();
  });
  const single = flow({ name: "single" }, async function* () {
    return yield* t();
  });
  const journal = new InMemoryJournal({ serialize: true });
  const logs = new InMemoryLogStore();
  const clock = new FakeClock({ autoAdvance: true });
  const handle = single.start({}, { journal, logs, clock, console: false });
  const state = await handle.finalState();
  const view = await inspectRun(journal, handle.runId);
  return { state, view, calls: () => calls, messages: logs.records.map((r) => r.message) };
}

test("describeError follows the cause chain and names each cause's code", () => {
  const dns = Object.assign(new Error("getaddrinfo ENOTFOUND api.invalid"), {
    code: "ENOTFOUND",
  });
  const refused = Object.assign(new Error("connect failed"), { code: "ECONNREFUSED" });
  assert.equal(
    describeError(new TypeError("fetch failed", { cause: dns })),
    "TypeError: fetch failed (caused by Error: getaddrinfo ENOTFOUND api.invalid)",
  );
  assert.equal(
    describeError(new TypeError("fetch failed", { cause: refused })),
    "TypeError: fetch failed (caused by Error: connect failed [ECONNREFUSED])",
  );
  assert.equal(describeError(new Error("plain")), "Error: plain");
  assert.equal(describeError(new Error("odd", { cause: 42 })), "Error: odd (caused by 42)");
});

test("stackFrames keeps the frames and drops the message lines", () => {
  const frames = stackFrames(new Error("two\nlines"));
  assert.match(frames, /^ {4}at /);
  assert.doesNotMatch(frames, /two|lines/);
  assert.equal(stackFrames(Object.assign(new Error("x"), { stack: undefined })), "");
});

test("a failed fetch logs its cause, not only 'fetch failed'", async () => {
  // A port that was just free: the connection is refused at once, without any network.
  const port = await new Promise<number>((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
  const { state, view, messages } = await runOneTask(() => fetch(`http://127.0.0.1:${port}/`), 0);
  assert.equal(state.type, "FAILED");
  const line = messages.find((m) => m.startsWith("Task run failed with exception"));
  assert.ok(line !== undefined, messages.join("\n"));
  const first = line.split("\n")[0] ?? "";
  // Node says "fetch failed (caused by ... ECONNREFUSED ...)"; Deno puts it in the message.
  assert.match(first, /ECONNREFUSED|[Cc]onnection refused/, first);
  // The task run's Failed state says it too.
  assert.match(view.taskRuns[0]?.state.message ?? "", /ECONNREFUSED|[Cc]onnection refused/);
});

test("a missing Deno permission (NotCapable) fails at once instead of being retried", async () => {
  const deno = (globalThis as { Deno?: { errors?: Record<string, new (m: string) => Error> } })
    .Deno;
  const NotCapable = deno?.errors?.NotCapable;
  const makeError = () => {
    const message =
      'Requires net access to "api.example.com:443", run again with the --allow-net flag';
    if (NotCapable !== undefined) return new NotCapable(message);
    return Object.assign(new Error(message), { name: "NotCapable" });
  };
  assert.equal(isNonRetryable(makeError()), true);
  assert.equal(isNonRetryable(new NonRetryableError("no")), true);
  assert.equal(isNonRetryable(new TypeError("flaky")), false);
  const { state, view, calls, messages } = await runOneTask(() => {
    throw makeError();
  }, 3);
  assert.equal(state.type, "FAILED");
  assert.equal(calls(), 1, "not retried");
  assert.equal(view.taskRuns[0]?.attempts, 1);
  assert.ok(messages.some((m) => m.includes("run again with the --allow-net flag")));
  assert.ok(!messages.some((m) => m.includes("Retry 1/3")));
});

test("an error thrown by the flow body itself is logged with its stack, once", async () => {
  const logs = new InMemoryLogStore();
  const broken = flow({ name: "broken-body" }, async function* () {
    yield* task({ name: "fine" }, () => 1)();
    throw new RangeError("bad body");
  });
  const state = await broken.run({}, { logs, console: false, returnState: true });
  assert.equal(state.type, "FAILED");
  const lines = logs.records.filter((r) => r.message.startsWith("Flow run failed with exception"));
  assert.equal(lines.length, 1);
  assert.match(
    lines[0]?.message ?? "",
    /^Flow run failed with exception: RangeError: bad body\n {4}at /,
  );
});

test("a task's error rethrown by the body is not logged a second time", async () => {
  const logs = new InMemoryLogStore();
  const failing = task({ name: "failing" }, () => {
    throw new NonRetryableError("task broke");
  });
  const rethrows = flow({ name: "rethrows" }, async function* () {
    return yield* failing();
  });
  await rethrows.run({}, { logs, console: false, returnState: true });
  const messages = logs.records.map((r) => r.message.split("\n")[0]);
  assert.equal(messages.filter((m) => m?.includes("failed with exception")).length, 1);
  assert.ok(messages.includes("Task run failed with exception: NonRetryableError: task broke"));
});
