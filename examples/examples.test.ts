import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { asyncLocalStorageAttribution } from "../hosts/async_local_storage.ts";
import {
  FlowRunError,
  InMemoryCacheStore,
  InMemoryJournal,
  InMemoryLogStore,
  InMemoryResultStore,
  inspectRun,
  NonRetryableError,
  setConsoleAttribution,
} from "../runtime/host.ts";
import { FakeClock } from "../runtime/testing/fake_clock.ts";
import { parseParams } from "./_script.ts";
import { catFact } from "./cat_fact.ts";
import { elevator } from "./elevator.ts";
import { irisMainFlow } from "./iris.ts";

describe("iris flow of flows", () => {
  test("runs data-engineer then data-science as subflows and reports accuracy", async () => {
    const journal = new InMemoryJournal({ serialize: true });
    const results = new InMemoryResultStore();
    const logs = new InMemoryLogStore();
    const handle = irisMainFlow.start(
      { testDataRatio: 0.2 },
      { journal, results, logs, cache: new InMemoryCacheStore(), console: false },
    );
    const outcome = await handle.result();
    assert.equal(outcome.trainRows, 120);
    assert.equal(outcome.testRows, 30);
    assert.ok(outcome.accuracy >= 0.9, `accuracy ${outcome.accuracy}`);

    const parent = await inspectRun(journal, handle.runId);
    assert.equal(parent.name, "iris-ratio-0.2");
    const children = parent.steps.filter((s) => s.kind === "subflow");
    assert.deepEqual(
      children.map((c) => c.name),
      ["data-engineer", "data-science"],
    );
    const engineer = await inspectRun(journal, children[0]?.childRunId ?? "");
    assert.equal(engineer.parentRunId, handle.runId);
    assert.deepEqual(
      engineer.taskRuns.map((t) => t.runName),
      ["load-data-0", "get-classes-0", "encode-categorical-columns-0", "split-data-0"],
    );
    // split-data persisted its result under the templated key.
    assert.deepEqual(results.keys(), [`iris/${engineer.id}/split-data_output`]);
    assert.ok(
      logs.records.some((r) => r.message === "Model accuracy on test set: 96.67"),
      "report-accuracy's print became a log line",
    );
  });

  test("a second run hits the cache for encode-categorical-columns", async () => {
    const cache = new InMemoryCacheStore();
    const journal = new InMemoryJournal();
    const first = irisMainFlow.start({}, { journal, cache, console: false });
    await first.result();
    const second = irisMainFlow.start({}, { journal, cache, console: false });
    await second.result();
    const parent = await inspectRun(journal, second.runId);
    const engineerId = parent.steps.find((s) => s.name === "data-engineer")?.childRunId ?? "";
    const engineer = await inspectRun(journal, engineerId);
    const encode = engineer.taskRuns.find((t) => t.name === "encode-categorical-columns");
    assert.equal(encode?.state.name, "Cached");
    assert.equal(encode?.cached, true);
  });

  test("bad parameters are refused before anything runs, naming the field", async () => {
    const journal = new InMemoryJournal();
    const error = await irisMainFlow.run({ testDataRatio: 2 }, { journal, console: false }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof FlowRunError);
    assert.equal(error.field, "testDataRatio", "the field is on the error itself");
    assert.deepEqual(
      error.issues?.map((issue) => issue.field),
      ["testDataRatio"],
    );
    assert.equal(journal.runIds().length, 1, "no subflow was started");
  });
});

describe("cat-fact against a local HTTP server", () => {
  let server: Server;
  let base = "";
  let requests = 0;
  before(async () => {
    server = createServer((req, res) => {
      requests++;
      if (req.url === "/missing") {
        res.writeHead(404).end();
      } else if (req.url === "/flaky" && requests % 2 === 1) {
        res.writeHead(503).end();
      } else {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ fact: "Cats sleep about 15 hours a day.", length: 32 }));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test("retries a 503 after 1s and returns the fact", async () => {
    requests = 0;
    // A manual clock: real HTTP takes real time, so time moves only when the test says so.
    const clock = new FakeClock();
    const journal = new InMemoryJournal();
    const handle = catFact.start({ url: `${base}/flaky` }, { journal, clock, console: false });
    await until(async () => {
      const view = await inspectRun(journal, handle.runId).catch(() => undefined);
      return view?.taskRuns[0]?.state.name === "AwaitingRetry";
    });
    assert.equal(requests, 1);
    await clock.advance(1000);
    assert.equal(await handle.result(), "Cats sleep about 15 hours a day.");
    assert.equal(requests, 2);
    assert.deepEqual(clock.waits.filter((ms) => ms === 1000).length, 1);
    const view = await inspectRun(journal, handle.runId);
    assert.deepEqual(
      view.taskRuns.map((t) => [t.runName, t.attempts, t.state.name]),
      [
        ["call-api-0", 2, "Completed"],
        ["parse-fact-0", 1, "Completed"],
      ],
    );
  });

  test("a 404 fails at once without retrying", async () => {
    requests = 0;
    const error = await catFact
      .run(
        { url: `${base}/missing` },
        { console: false, clock: new FakeClock({ autoAdvance: true }) },
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(error instanceof FlowRunError);
    assert.ok(error.cause instanceof NonRetryableError);
    assert.equal(requests, 1);
  });

  test("an invalid URL parameter is a validation error naming url", async () => {
    const error = await catFact.run({ url: "not a url" }, { console: false }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof FlowRunError);
    assert.equal(error.field, "url");
  });
});

describe("elevator", () => {
  test("submits every floor at once and attributes each print to its task", async () => {
    setConsoleAttribution(asyncLocalStorageAttribution());
    try {
      const logs = new InMemoryLogStore();
      const handle = elevator.start({ floors: 4, msPerFloor: 5 }, { logs, console: false });
      assert.deepEqual(await handle.result(), [4, 3, 2, 1]);
      for (const floor of [1, 2, 3, 4]) {
        const mine = logs.records.filter((r) => r.source === `Task run 'floor-${floor}'`);
        assert.deepEqual(
          mine.map((r) => r.message),
          [
            `elevator moving to floor ${floor}`,
            `elevator stops on floor ${floor}`,
            "Finished in state Completed()",
          ],
        );
      }
      // All four started before the first one stopped: they ran concurrently.
      const messages = logs.records.map((r) => r.message);
      const firstStop = messages.findIndex((m) => m.startsWith("elevator stops"));
      assert.equal(
        messages.slice(0, firstStop).filter((m) => m.startsWith("elevator moving")).length,
        4,
      );
    } finally {
      setConsoleAttribution(undefined);
    }
  });
});

/** Polls `condition` between macrotasks (at most 2,000 times, no timers involved). */
async function until(condition: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error("condition never became true");
}

test("script parameters parse as prefect run's --param and --param-file do", () => {
  assert.deepEqual(parseParams(["--param", "testDataRatio=0.3", "--param", "name=iris"]), {
    testDataRatio: 0.3,
    name: "iris",
  });
  assert.throws(() => parseParams(["--param", "oops"]), /expected key=value/);
});
