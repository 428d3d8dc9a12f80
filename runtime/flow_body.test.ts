import assert from "node:assert/strict";
import { test } from "node:test";
import { FlowRunError, flow, UsageError } from "./mod.ts";

test("an async function as a flow body is refused at definition, saying what to write", () => {
  assert.throws(
    () => flow({ name: "not-a-generator" }, (async () => 1) as never),
    (error: unknown) =>
      error instanceof UsageError &&
      error.message.includes("The body of flow 'not-a-generator' is an async function") &&
      error.message.includes("async function* (params, ctx)") &&
      !error.message.includes("generator.next is not a function"),
  );
});

test("a body that returns a promise when run fails the run with what to write", async () => {
  // What a transpiler that lowers async functions produces: a plain function returning a promise.
  const lowered = flow({ name: "lowered" }, ((): Promise<number> => Promise.resolve(1)) as never);
  const error = await lowered.run({}, { console: false }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof FlowRunError);
  assert.ok(error.cause instanceof UsageError);
  assert.match(
    error.cause.message,
    /The body of flow 'lowered' returned a promise \(it is an async function\), not an async generator: write it as `async function\* \(params, ctx\)/,
  );
});

test("a missing body is refused at definition", () => {
  assert.throws(
    () => flow({ name: "no-body" }, undefined as never),
    /The body of flow 'no-body' is missing, not an async generator/,
  );
});
