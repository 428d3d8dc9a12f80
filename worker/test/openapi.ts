/**
 * The served OpenAPI document as the tests read it: its operations, a small JSON Schema
 * checker for the subset of keywords the document uses, and fast-check arbitraries that build
 * values a schema accepts. Used by fuzz_openapi.test.ts and auth_all.test.ts, so both walk the
 * document the Worker serves (a new route is covered without touching the tests).
 *
 * The checker fails loudly on a keyword it does not know: a document that starts using one
 * must teach it here rather than have it pass unchecked. `format` is checked leniently (only
 * a value that is plainly not a date-time or UUID fails), since JSON Schema makes formats
 * annotations and the API's own validators may be stricter.
 *
 * @module
 */

import fc from "fast-check";
import { expect } from "vitest";
import type { WeirEnv } from "../env.ts";
import { send } from "./direct.ts";

/** A JSON Schema object, as the document holds it. */
export type Schema = { readonly [keyword: string]: unknown };

export interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema: Schema;
}

export interface Operation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

/** One operation of the document. */
export interface Op {
  /** "POST /api/flows/{name}/runs" */
  readonly id: string;
  readonly method: string;
  readonly path: string;
  readonly operation: Operation;
}

const METHODS = new Set(["get", "put", "post", "delete", "patch", "head", "options", "trace"]);

/** Fetches /api/openapi.json from the app under test (with the env's token, if it has one). */
export async function servedDocument(env?: WeirEnv): Promise<OpenApiDocument> {
  const token = env?.WEIR_API_TOKEN;
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  const res = await send("/api/openapi.json", { headers }, env);
  expect(res.status).toBe(200);
  const doc = (await res.json()) as OpenApiDocument;
  expect(doc.openapi).toMatch(/^3\.1\./);
  return doc;
}

/** Every operation in the document, in document order. */
export function operationsOf(doc: OpenApiDocument): Op[] {
  const ops: Op[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.has(method)) continue;
      ops.push({
        id: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        operation,
      });
    }
  }
  return ops;
}

/** The operation's parameters in one place (`in`). */
export function paramsIn(op: Op, where: Parameter["in"]): Parameter[] {
  return (op.operation.parameters ?? []).filter((p) => p.in === where);
}

/** The JSON schema of the operation's request body, if it takes one. */
export function bodySchemaOf(op: Op): Schema | undefined {
  return op.operation.requestBody?.content["application/json"]?.schema;
}

/** Fills a path template: `/api/runs/{id}` with `{ id }` (values already URL-encoded). */
export function fillPath(template: string, values: Record<string, string>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`No value for {${name}} in ${template}`);
    return value;
  });
}

/**
 * A JSON value written out as text (the fuzzer's 10,000-level nestings), which the checker
 * sees as an array or object of unknown content.
 */
export class RawJson {
  constructor(
    readonly text: string,
    readonly kind: "array" | "object",
  ) {}
  toString(): string {
    return `RawJson(${this.kind}, ${this.text.length} chars)`;
  }
}

/** JSON text for a value that may hold {@link RawJson} parts. */
export function toJsonText(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof RawJson) {
      raws.push(v.text);
      return `\u0000raw${raws.length - 1}\u0000`;
    }
    return v;
  });
  // The marker's NULs are escaped by JSON.stringify, so no string the fuzzer made can match it.
  return text.replace(/"\\u0000raw(\d+)\\u0000"/g, (_, i: string) => raws[Number(i)] ?? "");
}

const ANNOTATIONS = new Set([
  "description",
  "example",
  "examples",
  "default",
  "title",
  "$schema",
  "deprecated",
  "readOnly",
  "writeOnly",
]);
const KNOWN = new Set([
  ...ANNOTATIONS,
  "$ref",
  "type",
  "enum",
  "const",
  "anyOf",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "minItems",
  "maxItems",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "format",
  "pattern",
  "oneOf",
  "allOf",
]);

/** The schema a `$ref` points to (only `#/components/schemas/...`). */
export function resolve(doc: OpenApiDocument, schema: Schema): Schema {
  let current = schema;
  for (let hops = 0; typeof current.$ref === "string"; hops++) {
    const ref = current.$ref;
    const name = ref.startsWith("#/components/schemas/") ? ref.slice(21) : undefined;
    const target = name === undefined ? undefined : doc.components.schemas[name];
    if (target === undefined || hops > 20) throw new Error(`Cannot resolve $ref ${ref}`);
    current = target;
  }
  return current;
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (value instanceof RawJson) return value.kind;
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function typeMatches(type: string, value: unknown): boolean {
  const actual = jsonType(value);
  if (type === "integer") return typeof value === "number" && Number.isInteger(value);
  if (type === "number") return typeof value === "number" && Number.isFinite(value);
  return actual === type;
}

const LENIENT_FORMATS: Record<string, RegExp> = {
  "date-time": /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}/,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
};

/**
 * Where a value breaks a schema: one line per violation, empty when it conforms. Lengths count
 * code points, as JSON Schema does.
 */
export function violations(
  doc: OpenApiDocument,
  schema: Schema,
  value: unknown,
  at = "$",
): string[] {
  const s = resolve(doc, schema);
  for (const keyword of Object.keys(s)) {
    if (!KNOWN.has(keyword))
      throw new Error(`The schema checker does not know '${keyword}' (${at})`);
  }
  const out: string[] = [];
  const types = s.type === undefined ? undefined : ([] as unknown[]).concat(s.type).map(String);
  if (types !== undefined && !types.some((t) => typeMatches(t, value))) {
    return [`${at}: expected ${types.join(" or ")}, got ${jsonType(value)}`];
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => Object.is(e, value))) {
    out.push(`${at}: not one of ${JSON.stringify(s.enum)}`);
  }
  if ("const" in s && !Object.is(s.const, value)) out.push(`${at}: not ${JSON.stringify(s.const)}`);
  const matching = (key: string) =>
    (s[key] as Schema[]).filter((b) => violations(doc, b, value, at).length === 0).length;
  if (Array.isArray(s.anyOf) && matching("anyOf") === 0) out.push(`${at}: matches no anyOf`);
  if (Array.isArray(s.oneOf) && matching("oneOf") !== 1) out.push(`${at}: matches not one oneOf`);
  if (Array.isArray(s.allOf) && matching("allOf") !== s.allOf.length) {
    out.push(`${at}: does not match allOf`);
  }
  if (value instanceof RawJson) return out; // Content unknown: only its kind was checked.
  if (typeof value === "string") {
    const length = [...value].length;
    if (typeof s.minLength === "number" && length < s.minLength) out.push(`${at}: too short`);
    if (typeof s.maxLength === "number" && length > s.maxLength) out.push(`${at}: too long`);
    const format = typeof s.format === "string" ? LENIENT_FORMATS[s.format] : undefined;
    if (format !== undefined && !format.test(value)) out.push(`${at}: not a ${String(s.format)}`);
    if (typeof s.pattern === "string" && !new RegExp(s.pattern, "u").test(value)) {
      out.push(`${at}: does not match ${s.pattern}`);
    }
  }
  if (typeof value === "number") {
    if (typeof s.minimum === "number" && value < s.minimum) out.push(`${at}: below ${s.minimum}`);
    if (typeof s.maximum === "number" && value > s.maximum) out.push(`${at}: above ${s.maximum}`);
    const { exclusiveMinimum: xMin, exclusiveMaximum: xMax } = s;
    if (typeof xMin === "number" && value <= xMin) out.push(`${at}: not above ${xMin}`);
    if (typeof xMax === "number" && value >= xMax) out.push(`${at}: not below ${xMax}`);
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === "number" && value.length < s.minItems)
      out.push(`${at}: too few items`);
    if (typeof s.maxItems === "number" && value.length > s.maxItems)
      out.push(`${at}: too many items`);
    if (s.items !== undefined) {
      value.forEach((item, i) => {
        out.push(...violations(doc, s.items as Schema, item, `${at}[${i}]`));
      });
    }
  }
  if (jsonType(value) === "object") {
    const object = value as Record<string, unknown>;
    const properties = (s.properties ?? {}) as Record<string, Schema>;
    for (const key of (s.required ?? []) as string[]) {
      if (!Object.hasOwn(object, key)) out.push(`${at}: '${key}' is required`);
    }
    for (const [key, item] of Object.entries(object)) {
      const declared = Object.hasOwn(properties, key) ? properties[key] : undefined;
      if (declared !== undefined) out.push(...violations(doc, declared, item, `${at}.${key}`));
      else if (s.additionalProperties === false) out.push(`${at}: unexpected '${key}'`);
      else if (typeof s.additionalProperties === "object" && s.additionalProperties !== null) {
        out.push(...violations(doc, s.additionalProperties as Schema, item, `${at}.${key}`));
      }
    }
  }
  return out;
}

/** Asserts a value conforms to a schema, naming what does not. */
export function expectConforms(
  doc: OpenApiDocument,
  schema: Schema,
  value: unknown,
  label: string,
) {
  expect(violations(doc, schema, value), `${label} conforms to the declared schema`).toEqual([]);
}

/** Printable, mostly ASCII strings (what a well-behaved client sends). */
const plainString = (min = 0, max = 20) =>
  fc.string({ unit: "grapheme-ascii", minLength: min, maxLength: max });

/**
 * Values a schema accepts (kept small: strings up to 20 characters, arrays up to 4 items,
 * JSON of any type up to 3 levels, times between 1970 and 2099).
 */
export function arbitraryFor(doc: OpenApiDocument, schema: Schema): fc.Arbitrary<unknown> {
  const s = resolve(doc, schema);
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  if ("const" in s) return fc.constant(s.const);
  const branches = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (Array.isArray(branches)) return fc.oneof(...branches.map((b) => arbitraryFor(doc, b)));
  if (Array.isArray(s.allOf)) {
    // Values of the first part that the whole accepts (the document's allOf are refinements).
    const whole = s;
    return arbitraryFor(doc, (s.allOf as Schema[])[0] ?? {}).filter(
      (v) => violations(doc, whole, v).length === 0,
    );
  }
  if (Array.isArray(s.type)) {
    return fc.oneof(...(s.type as string[]).map((type) => arbitraryFor(doc, { ...s, type })));
  }
  const min = (k: string) => (typeof s[k] === "number" ? (s[k] as number) : undefined);
  switch (s.type) {
    case "null":
      return fc.constant(null);
    case "boolean":
      return fc.boolean();
    case "integer":
      return fc.integer({ min: min("minimum") ?? -1_000_000, max: min("maximum") ?? 1_000_000 });
    case "number":
      return fc.double({ min: min("minimum") ?? -1e6, max: min("maximum") ?? 1e6, noNaN: true });
    case "string": {
      if (s.format === "uuid") return fc.uuid();
      if (typeof s.pattern === "string") {
        const lo = min("minLength") ?? 0;
        const hi = min("maxLength") ?? Number.POSITIVE_INFINITY;
        return fc
          .stringMatching(new RegExp(s.pattern, "u"))
          .filter((v) => [...v].length >= lo && [...v].length <= hi);
      }
      if (s.format === "date-time") {
        return fc
          .date({ min: new Date(0), max: new Date("2099-12-31T00:00:00Z"), noInvalidDate: true })
          .map((d) => d.toISOString());
      }
      const lo = min("minLength") ?? 0;
      return plainString(lo, Math.max(lo, Math.min(min("maxLength") ?? 20, 20)));
    }
    case "array":
      return fc.array(
        s.items === undefined
          ? fc.jsonValue({ maxDepth: 2 })
          : arbitraryFor(doc, s.items as Schema),
        {
          minLength: min("minItems") ?? 0,
          maxLength: Math.min(min("maxItems") ?? 4, 4),
        },
      );
    case "object": {
      const properties = (s.properties ?? {}) as Record<string, Schema>;
      const required = (s.required ?? []) as string[];
      const model = Object.fromEntries(
        Object.entries(properties).map(([key, sub]) => [key, arbitraryFor(doc, sub)]),
      );
      const declared = fc.record(model, { requiredKeys: required });
      if (s.additionalProperties === false || Object.keys(properties).length > 0) return declared;
      const extra =
        typeof s.additionalProperties === "object" && s.additionalProperties !== null
          ? arbitraryFor(doc, s.additionalProperties as Schema)
          : fc.jsonValue({ maxDepth: 2 });
      return fc.dictionary(plainString(1, 10), extra, { maxKeys: 4 });
    }
    default:
      return fc.jsonValue({ maxDepth: 3 });
  }
}
