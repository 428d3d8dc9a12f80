import assert from "node:assert/strict";
import { test } from "node:test";
import { FlowRunError, InMemoryJournal } from "../runtime/host.ts";
import { runAsScript, scriptUsage, wantsHelp } from "./_script.ts";
import { catFact } from "./cat_fact.ts";
import { elevator } from "./elevator.ts";
import { dataEngineer, dataScience, irisMainFlow } from "./iris.ts";

const exampleFlows = [catFact, elevator, dataEngineer, dataScience, irisMainFlow];

test("--help prints the usage and every parameter, and runs nothing", async () => {
  assert.equal(wantsHelp(["--param", "floors=2", "-h"]), true);
  assert.equal(wantsHelp(["--param", "floors=2"]), false);
  const printed: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void printed.push(args.join(" "));
  try {
    await runAsScript(elevator, {}, ["--help"]);
  } finally {
    console.log = log;
  }
  const text = printed.join("\n");
  assert.match(text, /^Usage: npx deno run -A .*\[--param name=value\]/);
  assert.match(text, /--param floors=<integer> +How many floors to stop at \(default: 10\)/);
  assert.match(text, /--param msPerFloor=<integer> +Milliseconds .* \(default: 100\)/);
  assert.doesNotMatch(text, /elevator moving/, "the flow did not run");
});

test("the usage of a flow with a required parameter says so", () => {
  const text = scriptUsage(dataScience, "examples/iris.ts");
  assert.match(text, /Runs the flow 'data-science': Iris: trains/);
  assert.match(text, /--param split=<object> +The data-engineer flow's output \(required\)/);
});

test("every example flow declares its parameters as a JSON Schema", () => {
  for (const flow of exampleFlows) {
    const schema = flow.jsonSchema() as { type?: string; properties?: object } | undefined;
    assert.equal(schema?.type, "object", `${flow.flowName} declares its parameters`);
    assert.ok(Object.keys(schema?.properties ?? {}).length > 0, flow.flowName);
  }
});

test("data-science started alone with {} is refused naming split, before its body runs", async () => {
  const journal = new InMemoryJournal();
  const error = await dataScience.run({} as never, { journal, console: false }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof FlowRunError);
  assert.equal(error.field, "split");
  assert.match(error.message, /Invalid parameters for flow 'data-science': split:/);
});

test("the elevator refuses floors that are not whole numbers, naming floors", async () => {
  const error = await elevator.run({ floors: 2.5 }, { console: false }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof FlowRunError);
  assert.equal(error.field, "floors");
});
