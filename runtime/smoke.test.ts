import assert from "node:assert/strict";
import { test } from "node:test";
import { all, flow, InMemoryJournal, inspectRun, task } from "./host.ts";

const double = task({ name: "double" }, (n: number) => n * 2);

test("a flow runs its tasks and returns their typed results", async () => {
  const pair = flow({ name: "pair" }, async function* (params: { n: number }) {
    const a = yield* double(params.n);
    const [b, c] = yield* all([double(a), double(a + 1)]);
    return { a, b, c };
  });
  const journal = new InMemoryJournal({ serialize: true });
  const handle = pair.start({ n: 2 }, { journal, console: false });
  assert.deepEqual(await handle.result(), { a: 4, b: 8, c: 10 });
  const view = await inspectRun(journal, handle.runId);
  assert.equal(view.state?.type, "COMPLETED");
  assert.deepEqual(
    view.taskRuns.map((t) => t.runName),
    ["double-0", "double-1", "double-2"],
  );
});
