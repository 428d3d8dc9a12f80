import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  errorTarget,
  type Field,
  fieldsOf,
  initialValue,
  parseTags,
  readJsonObject,
  readValues,
} from "./schema_form.ts";

/** The schema GET /api/flows/main-flow answers with (zod 4's JSON Schema). */
const iris = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  properties: {
    testDataRatio: { default: 0.2, type: "number", exclusiveMinimum: 0, exclusiveMaximum: 1 },
    seed: {
      default: 42,
      type: "integer",
      minimum: -9007199254740991,
      maximum: 9007199254740991,
    },
  },
};

const everything = {
  type: "object",
  required: ["name", "mode", "count"],
  properties: {
    name: { type: "string", title: "Name", description: "Who" },
    url: { type: "string", format: "uri", default: "https://example.com" },
    count: { type: "integer", minimum: 1 },
    ratio: { anyOf: [{ type: "number" }, { type: "null" }] },
    verbose: { type: "boolean", default: true },
    mode: { type: "string", enum: ["fast", "slow"], default: "slow" },
    level: { enum: [1, 2, 3] },
    items: { type: "array", items: { type: "string" }, default: ["a"] },
    options: { type: "object" },
    ref: { $ref: "#/$defs/Color" },
    nullableType: { type: ["string", "null"] },
  },
  $defs: { Color: { type: "string", enum: ["red", "green"] } },
};

function byName(fields: Field[] | null): Record<string, Field> {
  assert.ok(fields !== null);
  return Object.fromEntries(fields.map((f) => [f.name, f]));
}

describe("fieldsOf", () => {
  it("reads the iris flow's schema: defaults, kinds, and only meaningful bounds", () => {
    const fields = fieldsOf(iris);
    assert.ok(fields !== null);
    assert.deepEqual(
      fields.map((f) => [f.name, f.kind, f.required, f.default, f.hint]),
      [
        ["testDataRatio", "number", false, 0.2, "> 0, < 1"],
        ["seed", "integer", false, 42, undefined],
      ],
    );
  });

  it("maps every JSON Schema shape to an input", () => {
    const f = byName(fieldsOf(everything));
    assert.equal(f.name?.kind, "string");
    assert.equal(f.name?.label, "Name");
    assert.equal(f.name?.description, "Who");
    assert.equal(f.name?.required, true);
    assert.equal(f.url?.format, "uri");
    assert.equal(f.count?.kind, "integer");
    assert.equal(f.count?.hint, "≥ 1");
    assert.equal(f.ratio?.kind, "number", "anyOf with null is the other type");
    assert.equal(f.verbose?.kind, "boolean");
    assert.deepEqual([f.mode?.kind, f.mode?.options], ["enum", ["fast", "slow"]]);
    assert.deepEqual([f.level?.kind, f.level?.options], ["enum", [1, 2, 3]]);
    assert.equal(f.items?.kind, "json");
    assert.equal(f.options?.kind, "json");
    assert.deepEqual([f.ref?.kind, f.ref?.options], ["enum", ["red", "green"]], "local $ref");
    assert.equal(f.nullableType?.kind, "string");
  });

  it("has no fields for a flow without a schema, and none for an empty object", () => {
    assert.equal(fieldsOf(null), null);
    assert.equal(fieldsOf({ type: "string" }), null);
    assert.deepEqual(fieldsOf({ type: "object" }), []);
  });
});

describe("initialValue and readValues", () => {
  const f = byName(fieldsOf(everything));
  const fields = fieldsOf(everything) ?? [];

  it("starts inputs at their defaults", () => {
    assert.equal(initialValue(f.url as Field), "https://example.com");
    assert.equal(initialValue(f.verbose as Field), true);
    assert.equal(initialValue(f.mode as Field), "1");
    assert.equal(initialValue(f.items as Field), '[\n  "a"\n]');
    assert.equal(initialValue(f.name as Field), "");
    assert.equal(initialValue(f.ratio as Field), "");
  });

  it("turns text into typed values and leaves empty inputs out", () => {
    const values = Object.fromEntries(fields.map((field) => [field.name, initialValue(field)]));
    const read = readValues(fields, {
      ...values,
      name: "ana",
      count: " 3 ",
      ratio: "0.5",
      level: "2",
      options: '{"a": [1, true]}',
      ref: "0",
    });
    assert.deepEqual(read, {
      ok: true,
      parameters: {
        name: "ana",
        url: "https://example.com",
        count: 3,
        ratio: 0.5,
        verbose: true,
        mode: "slow",
        level: 3,
        items: ["a"],
        options: { a: [1, true] },
        ref: "red",
      },
    });
  });

  it("keeps the iris defaults as numbers", () => {
    const irisFields = fieldsOf(iris) ?? [];
    assert.deepEqual(readValues(irisFields, { testDataRatio: "0.3", seed: "42" }), {
      ok: true,
      parameters: { testDataRatio: 0.3, seed: 42 },
    });
    // Out-of-range numbers go to the API, which owns validation (and answers 422).
    assert.deepEqual(readValues(irisFields, { testDataRatio: "3", seed: "" }), {
      ok: true,
      parameters: { testDataRatio: 3 },
    });
  });

  it("reports what cannot be a value, by field", () => {
    const read = readValues(fields, {
      count: "3.5",
      ratio: "abc",
      options: "{oops",
      mode: "9",
    });
    assert.equal(read.ok, false);
    if (read.ok) return;
    assert.equal(read.errors.count, "Enter a whole number");
    assert.equal(read.errors.ratio, "Enter a number");
    assert.match(read.errors.options ?? "", /^Not valid JSON: /);
    assert.equal(read.errors.mode, "Pick one of the options");
  });

  it("sends unchecked booleans as false", () => {
    const read = readValues([f.verbose as Field], { verbose: false });
    assert.deepEqual(read, { ok: true, parameters: { verbose: false } });
  });
});

describe("readJsonObject", () => {
  it("takes a JSON object, empty text as {}, and refuses the rest", () => {
    assert.deepEqual(readJsonObject('{"floors": 3}'), { ok: true, parameters: { floors: 3 } });
    assert.deepEqual(readJsonObject("  "), { ok: true, parameters: {} });
    assert.deepEqual(readJsonObject("[1]"), {
      ok: false,
      errors: { parameters: "Parameters must be a JSON object, like {}" },
    });
    const broken = readJsonObject("{");
    assert.equal(broken.ok, false);
  });
});

describe("parseTags", () => {
  it("splits on commas, trims, drops empties and repeats", () => {
    assert.deepEqual(parseTags(" etl, nightly ,,etl"), ["etl", "nightly"]);
    assert.deepEqual(parseTags(""), []);
  });
});

describe("errorTarget", () => {
  it("puts an API error next to the field it names", () => {
    const names = ["testDataRatio", "split"];
    assert.deepEqual(errorTarget("parameters.testDataRatio", names), {
      kind: "parameter",
      name: "testDataRatio",
    });
    assert.deepEqual(errorTarget("parameters.split.trainX.0", names), {
      kind: "parameter",
      name: "split",
    });
    assert.deepEqual(errorTarget("parameters", names), { kind: "parameter", name: "" });
    assert.deepEqual(errorTarget("parameters.unknown", names), { kind: "parameter", name: "" });
    assert.deepEqual(errorTarget("name", names), { kind: "option", name: "name" });
    assert.deepEqual(errorTarget("tags.0", names), { kind: "option", name: "tags" });
    assert.deepEqual(errorTarget("idempotencyKey", names), { kind: "form" });
    assert.deepEqual(errorTarget(undefined, names), { kind: "form" });
  });
});
