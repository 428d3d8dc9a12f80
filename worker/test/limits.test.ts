// The API's limits on what it accepts (worker/api/limits.ts): JSON depth and size, names, tags
// and keys free of control and bidirectional formatting characters, and times within range.
// Each refusal is a 422 naming the field, and stores nothing.
import { describe, expect, it } from "vitest";
import { MAX_JSON_BYTES, MAX_JSON_DEPTH, MAX_TIME_MS } from "../api/limits.ts";
import {
  api,
  createRun,
  expectError,
  getRun,
  indexCount,
  json,
  objectCount,
  post,
  useFakeTime,
} from "./helpers.ts";

useFakeTime();

function nested(depth: number, kind: "array" | "object"): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = kind === "array" ? [value] : { a: value };
  return value;
}

/** Asserts a request is refused with 422 naming `field`, and that no run or object appeared. */
async function refused(res: Promise<Response>, field: string, message: RegExp): Promise<void> {
  const objects = await objectCount();
  const listed = await indexCount();
  const error = await expectError(res, 422, "invalid_value", field);
  expect(error.message).toMatch(message);
  expect(await objectCount()).toBe(objects);
  expect(await indexCount()).toBe(listed);
}

describe("JSON values", () => {
  for (const kind of ["array", "object"] as const) {
    it(`refuses parameters nested 10,000 levels deep (${kind}s), naming the field and the limit`, async () => {
      await refused(
        post("/api/flows/sum/runs", { parameters: { n: nested(10_000, kind) } }),
        "parameters",
        new RegExp(`deeper than ${MAX_JSON_DEPTH} levels`),
      );
    });

    it(`refuses an event payload nested 10,000 levels deep (${kind}s)`, async () => {
      const run = await createRun("approval", { parameters: {} });
      const before = await getRun(run.id);
      await expectError(
        post(`/api/runs/${run.id}/events/approved`, { payload: nested(10_000, kind) }),
        422,
        "invalid_value",
        "payload",
      );
      expect(await getRun(run.id)).toEqual(before);
    });
  }

  it("accepts a value exactly at the depth limit and refuses one level more", async () => {
    // `parameters` itself is one level.
    const at = await post("/api/flows/sum/runs", {
      parameters: { n: 1, extra: nested(MAX_JSON_DEPTH - 1, "array") },
    });
    expect(at.status).not.toBe(422);
    await refused(
      post("/api/flows/sum/runs", { parameters: { n: 1, extra: nested(MAX_JSON_DEPTH, "array") } }),
      "parameters",
      /deeper than/,
    );
  });

  it("refuses a payload over the size limit with the figure", async () => {
    const run = await createRun("approval", { parameters: {} });
    // Under the request body limit (1 MiB) but over the value limit.
    const big = "x".repeat(MAX_JSON_BYTES + 10);
    const error = await expectError(
      post(`/api/runs/${run.id}/events/approved`, { payload: big }),
      422,
      "invalid_value",
      "payload",
    );
    expect(error.message).toContain(String(MAX_JSON_BYTES));
  });
});

describe('"__proto__" keys', () => {
  it("refuses them anywhere in parameters and payloads, so none becomes a prototype", async () => {
    for (const parameters of [
      '{"__proto__": {"n": "not a number"}}',
      `{"n": 2, "__proto__": ${"[".repeat(10_000)}${"]".repeat(10_000)}}`,
      '{"n": 2, "deep": {"__proto__": {"polluted": true}}}',
    ]) {
      await refused(
        api("/api/flows/sum/runs", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: `{"parameters": ${parameters}}`,
        }),
        "parameters",
        /nests deeper|__proto__/,
      );
    }
    const run = await createRun("approval", { parameters: {} });
    await expectError(
      api(`/api/runs/${run.id}/events/approved`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"payload": {"a": {"__proto__": {"x": 1}}}}',
      }),
      422,
      "invalid_value",
      "payload",
    );
  });

  it("the OpenAPI document still declares parameters as an object", async () => {
    const doc = await json<{
      components: { schemas: { CreateRun: { properties: { parameters: { type?: string } } } } };
    }>(api("/api/openapi.json"));
    expect(doc.components.schemas.CreateRun.properties.parameters.type).toBe("object");
  });
});

describe("times", () => {
  it("refuses a scheduledAt past the accepted range with the range, and stores nothing", async () => {
    for (const scheduledAt of [9_000_000_000_000_000, MAX_TIME_MS, "2200-01-01T00:00:00Z"]) {
      await refused(
        post("/api/flows/sum/runs", { parameters: { n: 1 }, scheduledAt }),
        "scheduledAt",
        /must be before 2100-01-01T00:00:00.000Z/,
      );
    }
    // Repeating it changes nothing either.
    await refused(
      post("/api/flows/sum/runs", {
        parameters: { n: 1 },
        scheduledAt: 9_000_000_000_000_000,
        idempotencyKey: "far-future",
      }),
      "scheduledAt",
      /must be before/,
    );
  });

  it("accepts the last moment before the limit", async () => {
    const run = await createRun("sum", { parameters: { n: 1 }, scheduledAt: MAX_TIME_MS - 1 });
    expect(run.state.type).toBe("SCHEDULED");
  });
});

describe("names, tags and keys", () => {
  const bad: [string, string][] = [
    ["NUL", "night\u0000ly"],
    ["a newline", "night\nly"],
    ["DEL", "night\u007fly"],
    ["a C1 control", "night\u0085ly"],
    ["U+202E (right-to-left override)", "report\u202Etxt.exe"],
    ["U+2066 (isolate)", "a\u2066b"],
    ["U+200F (right-to-left mark)", "a\u200Fb"],
    ["a lone high surrogate", "a\uD800b"],
    ["a lone low surrogate", "a\uDC00b"],
  ];
  for (const [what, text] of bad) {
    it(`refuses ${what} in a run name, a tag and an idempotency key`, async () => {
      await refused(
        post("/api/flows/sum/runs", { parameters: { n: 1 }, name: text }),
        "name",
        /holds/,
      );
      await refused(
        post("/api/flows/sum/runs", { parameters: { n: 1 }, tags: ["ok", text] }),
        "tags.1",
        /holds/,
      );
      await refused(
        post("/api/flows/sum/runs", { parameters: { n: 1 }, idempotencyKey: text }),
        "idempotencyKey",
        /holds/,
      );
    });
  }

  it("refuses a control character in an event name and in list filters", async () => {
    const run = await createRun("approval", { parameters: {} });
    await expectError(
      post(`/api/runs/${run.id}/events/${encodeURIComponent("appr\u202Eoved")}`, {}),
      422,
      "invalid_value",
      "name",
    );
    await expectError(
      api(`/api/runs?tag=${encodeURIComponent("a\u0000")}`),
      422,
      "invalid_value",
      "tag",
    );
  });

  it("keeps names in other scripts, emoji and combining marks", async () => {
    const run = await createRun("sum", {
      parameters: { n: 1 },
      name: "relatório-diário 🌙 ẛ̣",
      tags: ["equipe-ñ", "日本", "עברית"],
    });
    expect(run.name).toBe("relatório-diário 🌙 ẛ̣");
    expect(run.tags).toEqual(["equipe-ñ", "日本", "עברית"]);
  });
});
