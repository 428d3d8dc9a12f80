import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as v from "valibot";
import { z } from "zod";
import {
  FlowRunError,
  flow,
  InMemoryJournal,
  inspectRun,
  ParameterValidationError,
  paramsJsonSchema,
  task,
  validateParams,
} from "./host.ts";
import { FakeClock } from "./testing/fake_clock.ts";

function setup() {
  const journal = new InMemoryJournal({ serialize: true });
  return { journal, opts: { journal, clock: new FakeClock(), console: false } as const };
}

function expectInvalid(field: string) {
  return (error: unknown): true => {
    assert.ok(error instanceof FlowRunError, `expected FlowRunError, got ${String(error)}`);
    assert.equal(error.state.type, "FAILED");
    const cause = error.cause;
    assert.ok(
      cause instanceof ParameterValidationError,
      `expected ParameterValidationError, got ${String(cause)}`,
    );
    assert.equal(cause.field, field);
    assert.ok(cause.issues.length >= 1);
    assert.match(cause.message, new RegExp(`${field.replace(".", "\\.")}: `));
    return true;
  };
}

describe("parameters with zod", () => {
  const fetchPage = task({ name: "fetch-page" }, (url: string) => `<html>${url}</html>`);
  let bodyRuns = 0;
  const crawl = flow(
    {
      name: "crawl",
      params: z.object({
        url: z.url(),
        depth: z.number().int().min(0).default(2),
        source: z.object({ url: z.url() }).optional(),
      }),
    },
    async function* (params) {
      bodyRuns++;
      const page = yield* fetchPage(params.url);
      return { page, depth: params.depth };
    },
  );

  test("invalid parameters reject before the body runs, naming the field", async () => {
    bodyRuns = 0;
    const { opts, journal } = setup();
    const handle = crawl.start({ url: "not a url" }, opts);
    await assert.rejects(handle.result(), expectInvalid("url"));
    assert.equal(bodyRuns, 0);
    const view = await inspectRun(journal, handle.runId);
    assert.deepEqual(
      view.stateHistory.map((s) => s.type),
      ["PENDING", "FAILED"],
    );
    assert.match(view.state?.message ?? "", /^Validation of flow parameters failed: /);
    assert.equal(view.taskRuns.length, 0);
    assert.ok(view.error instanceof ParameterValidationError);
    assert.equal(view.error.field, "url");
  });

  test("a nested field is named with a dotted path", async () => {
    bodyRuns = 0;
    await assert.rejects(
      crawl.run({ url: "https://example.com", source: { url: "nope" } }, setup().opts),
      expectInvalid("source.url"),
    );
    assert.equal(bodyRuns, 0);
  });

  test("a wrong type is rejected too", async () => {
    bodyRuns = 0;
    await assert.rejects(
      crawl.run({ url: "https://example.com", depth: -1 }, setup().opts),
      expectInvalid("depth"),
    );
    await assert.rejects(
      crawl.run({ url: 42 } as unknown as { url: string }, setup().opts),
      expectInvalid("url"),
    );
    assert.equal(bodyRuns, 0);
  });

  test("defaults are applied and the body gets the parsed value", async () => {
    bodyRuns = 0;
    const result = await crawl.run({ url: "https://example.com" }, setup().opts);
    assert.deepEqual(result, { page: "<html>https://example.com</html>", depth: 2 });
    assert.equal(bodyRuns, 1);
  });

  test("the journal keeps the parameters as given", async () => {
    const { opts, journal } = setup();
    const handle = crawl.start({ url: "https://example.com", depth: 5 }, opts);
    await handle.result();
    const view = await inspectRun(journal, handle.runId);
    assert.deepEqual(view.parameters, { url: "https://example.com", depth: 5 });
  });

  test("flow.validate() resolves to the parsed value or rejects naming the field", async () => {
    assert.deepEqual(await crawl.validate({ url: "https://a.example" }), {
      url: "https://a.example",
      depth: 2,
    });
    await assert.rejects(crawl.validate({ url: "x" }), (error: unknown) => {
      assert.ok(error instanceof ParameterValidationError);
      assert.equal(error.field, "url");
      assert.match(error.message, /^Invalid parameters for flow 'crawl': url: /);
      return true;
    });
    await assert.rejects(crawl.validate(null), ParameterValidationError);
  });

  test("flow.jsonSchema() exports the input's JSON Schema (Standard JSON Schema)", () => {
    const schema = crawl.jsonSchema();
    assert.ok(schema !== undefined);
    assert.equal(schema.type, "object");
    const properties = schema.properties as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(properties).sort(), ["depth", "source", "url"]);
    assert.equal(properties.url?.type, "string");
    assert.equal(properties.depth?.default, 2);
    assert.deepEqual(schema.required, ["url"]);
  });

  test("the flow's paramsJsonSchema wins over the library's", () => {
    const custom = { type: "object", properties: { url: { type: "string", title: "URL" } } };
    const f = flow(
      { name: "custom-schema", params: z.object({ url: z.string() }), paramsJsonSchema: custom },
      // biome-ignore lint/correctness/useYield: a flow body need not run any step
      async function* (p) {
        return p.url;
      },
    );
    assert.deepEqual(f.jsonSchema(), custom);
  });

  test("a flow with no schema has no JSON Schema and validates nothing", async () => {
    // biome-ignore lint/correctness/useYield: a flow body need not run any step
    const f = flow({ name: "schemaless" }, async function* (p: { a: number }) {
      return p.a;
    });
    assert.equal(f.jsonSchema(), undefined);
    assert.deepEqual(await f.validate({ anything: true }), { anything: true });
  });

  test("top-level problems have an empty field", async () => {
    await assert.rejects(validateParams("f", z.object({ a: z.string() }), "text"), (error) => {
      assert.ok(error instanceof ParameterValidationError);
      assert.equal(error.field, "");
      return true;
    });
  });

  test("every issue is listed", async () => {
    await assert.rejects(
      validateParams("multi", z.object({ a: z.string(), b: z.number() }), {}),
      (error) => {
        assert.ok(error instanceof ParameterValidationError);
        assert.deepEqual(error.issues.map((i) => i.field).sort(), ["a", "b"]);
        return true;
      },
    );
  });
});

describe("parameters with valibot", () => {
  let bodyRuns = 0;
  const ingest = flow(
    {
      name: "ingest",
      params: v.object({
        url: v.pipe(v.string(), v.url()),
        source: v.object({ url: v.pipe(v.string(), v.url()) }),
        limit: v.optional(v.number(), 10),
      }),
    },
    // biome-ignore lint/correctness/useYield: a flow body need not run any step
    async function* (params) {
      bodyRuns++;
      return `${params.source.url} -> ${params.url} (${params.limit})`;
    },
  );

  test("invalid parameters reject before the body runs, naming the field", async () => {
    bodyRuns = 0;
    await assert.rejects(
      ingest.run({ url: "bad", source: { url: "https://s.example" } }, setup().opts),
      expectInvalid("url"),
    );
    await assert.rejects(
      ingest.run({ url: "https://d.example", source: { url: "bad" } }, setup().opts),
      expectInvalid("source.url"),
    );
    assert.equal(bodyRuns, 0);
  });

  test("valid parameters run the body with defaults applied", async () => {
    bodyRuns = 0;
    const result = await ingest.run(
      { url: "https://d.example", source: { url: "https://s.example" } },
      setup().opts,
    );
    assert.equal(result, "https://s.example -> https://d.example (10)");
    assert.equal(bodyRuns, 1);
  });

  test("flow.validate() works with valibot", async () => {
    assert.deepEqual(
      await ingest.validate({ url: "https://d.example", source: { url: "https://s.example" } }),
      { url: "https://d.example", source: { url: "https://s.example" }, limit: 10 },
    );
    await assert.rejects(ingest.validate({ url: "https://d.example" }), (error: unknown) => {
      assert.ok(error instanceof ParameterValidationError);
      assert.equal(error.field, "source");
      return true;
    });
  });

  test("valibot has no Standard JSON Schema: jsonSchema() is undefined unless given", () => {
    const props = ingest.options.params?.["~standard"] as unknown as Record<string, unknown>;
    assert.equal("jsonSchema" in props, false);
    assert.equal(ingest.jsonSchema(), undefined);
    const fallback = { type: "object", properties: { url: { type: "string" } } };
    assert.deepEqual(ingest.with({ paramsJsonSchema: fallback }).jsonSchema(), fallback);
    assert.deepEqual(paramsJsonSchema(ingest.options.params, fallback), fallback);
  });
});
