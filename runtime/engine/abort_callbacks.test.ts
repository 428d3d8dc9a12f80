import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { offAbort, onAbort } from "./abort_callbacks.ts";

describe("abort callbacks", () => {
  test("run once, in the order added, except those removed", () => {
    const controller = new AbortController();
    const calls: string[] = [];
    const a = onAbort(controller.signal, () => calls.push("a"));
    const b = onAbort(controller.signal, () => calls.push("b"));
    onAbort(controller.signal, () => calls.push("c"));
    const d = onAbort(controller.signal, () => calls.push("d"));
    offAbort(b);
    offAbort(d);
    offAbort(d);
    onAbort(controller.signal, () => calls.push("e"));
    controller.abort();
    controller.abort();
    assert.deepEqual(calls, ["a", "c", "e"]);
    // Removing after they ran changes nothing.
    offAbort(a);
    assert.deepEqual(calls, ["a", "c", "e"]);
  });

  test("a callback added to an aborted signal runs at once", () => {
    const controller = new AbortController();
    controller.abort("why");
    let reason: unknown;
    const added = onAbort(controller.signal, () => {
      reason = controller.signal.reason;
    });
    assert.equal(reason, "why");
    offAbort(added);
  });

  test("a callback removed by an earlier one while they run is not called", () => {
    const controller = new AbortController();
    const calls: string[] = [];
    let second: ReturnType<typeof onAbort> | undefined;
    onAbort(controller.signal, () => {
      calls.push("first");
      if (second !== undefined) offAbort(second);
    });
    second = onAbort(controller.signal, () => calls.push("second"));
    onAbort(controller.signal, () => calls.push("third"));
    controller.abort();
    assert.deepEqual(calls, ["first", "third"]);
  });

  test("signals keep separate lists, and a list can empty and fill again", () => {
    const one = new AbortController();
    const two = new AbortController();
    const calls: string[] = [];
    for (let i = 0; i < 3; i++) offAbort(onAbort(one.signal, () => calls.push(`gone ${i}`)));
    onAbort(one.signal, () => calls.push("one"));
    onAbort(two.signal, () => calls.push("two"));
    two.abort();
    assert.deepEqual(calls, ["two"]);
    one.abort();
    assert.deepEqual(calls, ["two", "one"]);
  });
});
