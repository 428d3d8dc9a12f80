// The registry finds the subflows its flows call, by drawing each flow's body once.
import { describe, expect, it } from "vitest";
import { flow, task } from "../../runtime/host.ts";
import { FlowRegistry } from "../registry.ts";

const shout = task({ name: "shout" }, async (text: string) => text.toUpperCase());
const leaf = flow({ name: "leaf" }, async function* (p: { text: string }) {
  return yield* shout(p.text);
});
const middle = flow({ name: "middle" }, async function* (p: { text: string }) {
  return yield* leaf({ text: p.text });
});
const branchy = flow({ name: "branchy" }, async function* () {
  const text = yield* shout("x");
  // Only a real result takes this branch, so a drawing never meets `hidden`.
  if (text === "X") return yield* hidden({});
  return text;
});
const hidden = flow({ name: "hidden" }, async function* (_p: Record<string, never>) {
  return yield* shout("hidden");
});
const top = flow({ name: "top" }, async function* () {
  const a = yield* middle({ text: "a" });
  const b = yield* middle.with({ retries: 2 })({ text: "b" });
  return a + b;
});

describe("FlowRegistry", () => {
  it("registers the subflows of its flows, at every depth", async () => {
    const registry = new FlowRegistry([top]);
    await registry.ready();
    expect(registry.get("middle")).toBe(middle);
    expect(registry.get("leaf")).toBe(leaf);
    expect(registry.list().map((f) => f.flowName)).toEqual(["leaf", "middle", "top"]);
    expect(registry.declared("top")).toBe(true);
    expect(registry.declared("leaf")).toBe(false);
  });

  it("keeps a declared flow over a subflow of the same name", async () => {
    const registry = new FlowRegistry([top, middle]);
    await registry.ready();
    expect(registry.get("middle")).toBe(middle);
  });

  it("adds a subflow behind a branch when a run calls it, and refuses a clash", async () => {
    const registry = new FlowRegistry([branchy]);
    await registry.ready();
    expect(registry.get("hidden")).toBeUndefined();
    registry.ensure(hidden);
    expect(registry.get("hidden")).toBe(hidden);
    const other = flow({ name: "hidden" }, async function* () {
      return yield* shout("other");
    });
    expect(() => registry.add(other)).toThrow(/two different flows named 'hidden'/);
  });
});
