/**
 * The parameter form's logic, apart from its rendering: a flow's parameter JSON Schema turned
 * into fields, the text a person types turned back into parameter values, and an API error's
 * `field` turned into the input it names. Pure functions, unit-tested in schema_form.test.ts.
 *
 * The form sends what the person entered and lets the API validate it against the flow's own
 * schema (the one source of truth, whatever schema library the flow uses); it only refuses
 * what it cannot turn into a value at all (letters in a number, broken JSON).
 *
 * @module
 */

import type { JsonSchema } from "../api/types.ts";

/** How a field is entered. */
export type FieldKind = "string" | "number" | "integer" | "boolean" | "enum" | "json";

/** One input of the form. */
export interface Field {
  readonly name: string;
  readonly kind: FieldKind;
  readonly label: string;
  readonly description?: string;
  readonly required: boolean;
  /** The schema's default, if any. */
  readonly default?: unknown;
  readonly hasDefault: boolean;
  /** For `enum`: the allowed values. */
  readonly options?: readonly unknown[];
  /** For strings: the JSON Schema format (`uri`, `date-time`…), to pick the input type. */
  readonly format?: string;
  /** For numbers: bounds, shown as hints. */
  readonly minimum?: number;
  readonly maximum?: number;
  /** A one-line summary of the constraints, e.g. "> 0 and < 1". */
  readonly hint?: string;
}

/** What the person has typed or picked: text for most inputs, a boolean for checkboxes. */
export type FieldValue = string | boolean;

function isObject(value: unknown): value is JsonSchema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Follows a local `$ref` (`#/$defs/X`, `#/definitions/X`) once. */
function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref !== "string" || !ref.startsWith("#/")) return schema;
  let target: unknown = root;
  for (const part of ref.slice(2).split("/")) {
    target = isObject(target) ? target[part.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
  }
  return isObject(target) ? { ...target, ...schema, $ref: undefined } : schema;
}

/** `anyOf: [X, {type: "null"}]` (how optional values are often written) becomes X. */
function unwrapNullable(schema: JsonSchema, root: JsonSchema): JsonSchema {
  for (const key of ["anyOf", "oneOf"] as const) {
    const options = schema[key];
    if (!Array.isArray(options)) continue;
    const rest = options
      .filter(isObject)
      .map((o) => resolve(o, root))
      .filter((o) => o.type !== "null");
    if (rest.length === 1 && rest[0] !== undefined) {
      const { [key]: _dropped, ...outer } = schema;
      return { ...rest[0], ...outer };
    }
  }
  return schema;
}

function typeOf(schema: JsonSchema): string | undefined {
  const type = schema.type;
  if (typeof type === "string") return type;
  if (Array.isArray(type)) {
    const nonNull = type.filter((t) => t !== "null");
    return nonNull.length === 1 && typeof nonNull[0] === "string" ? nonNull[0] : undefined;
  }
  return undefined;
}

function kindOf(schema: JsonSchema): FieldKind {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return "enum";
  if ("const" in schema) return "enum";
  switch (typeOf(schema)) {
    case "string":
      return "string";
    case "number":
      return "number";
    case "integer":
      return "integer";
    case "boolean":
      return "boolean";
    default:
      return "json";
  }
}

/** Bounds people need to know; the ±2^53 a library adds to every integer is not one. */
function hintOf(schema: JsonSchema): string | undefined {
  const parts: string[] = [];
  const meaningful = (n: unknown): n is number =>
    typeof n === "number" && Math.abs(n) < Number.MAX_SAFE_INTEGER;
  if (meaningful(schema.exclusiveMinimum)) parts.push(`> ${schema.exclusiveMinimum}`);
  if (meaningful(schema.minimum)) parts.push(`≥ ${schema.minimum}`);
  if (meaningful(schema.exclusiveMaximum)) parts.push(`< ${schema.exclusiveMaximum}`);
  if (meaningful(schema.maximum)) parts.push(`≤ ${schema.maximum}`);
  if (typeof schema.minLength === "number" && schema.minLength > 0)
    parts.push(`at least ${schema.minLength} characters`);
  if (typeof schema.maxLength === "number") parts.push(`at most ${schema.maxLength} characters`);
  if (typeof schema.format === "string") parts.push(schema.format);
  if (typeof schema.pattern === "string") parts.push(`matches ${schema.pattern}`);
  return parts.length === 0 ? undefined : parts.join(", ");
}

/**
 * The fields of a parameter schema: one per property of the top-level object, in the
 * schema's order. Returns null when the schema is not an object with properties the form can
 * show (then the form takes the parameters as one JSON object).
 *
 * @example
 * ```ts
 * fieldsOf({ type: "object", properties: { url: { type: "string" } }, required: ["url"] });
 * // [{ name: "url", kind: "string", required: true, ... }]
 * ```
 */
export function fieldsOf(schema: JsonSchema | null): Field[] | null {
  if (schema === null) return null;
  const root = unwrapNullable(resolve(schema, schema), schema);
  if (typeOf(root) !== "object" && !isObject(root.properties)) return null;
  const properties = isObject(root.properties) ? root.properties : {};
  const required = new Set(
    Array.isArray(root.required) ? root.required.filter((r) => typeof r === "string") : [],
  );
  return Object.entries(properties).map(([name, raw]) => {
    const prop = isObject(raw) ? unwrapNullable(resolve(raw, schema), schema) : {};
    const kind = kindOf(prop);
    const options = kind === "enum" ? (Array.isArray(prop.enum) ? prop.enum : [prop.const]) : [];
    const field: Field = {
      name,
      kind,
      label: typeof prop.title === "string" ? prop.title : name,
      required: required.has(name),
      hasDefault: "default" in prop,
      ...(typeof prop.description === "string" ? { description: prop.description } : {}),
      ...("default" in prop ? { default: prop.default } : {}),
      ...(kind === "enum" ? { options } : {}),
      ...(typeof prop.format === "string" ? { format: prop.format } : {}),
      ...(typeof prop.minimum === "number" ? { minimum: prop.minimum } : {}),
      ...(typeof prop.maximum === "number" ? { maximum: prop.maximum } : {}),
    };
    const hint = hintOf(prop);
    return hint === undefined ? field : { ...field, hint };
  });
}

/**
 * What an input shows before the person touches it: the default, as text (JSON for arrays
 * and objects), or nothing.
 *
 * @example
 * ```ts
 * initialValue({ kind: "number", default: 0.2, ... }); // "0.2"
 * ```
 */
export function initialValue(field: Field): FieldValue {
  if (field.kind === "boolean") return field.default === true;
  if (!field.hasDefault || field.default === undefined) return "";
  if (field.kind === "enum") {
    const index = (field.options ?? []).findIndex((o) => Object.is(o, field.default));
    return index === -1 ? "" : String(index);
  }
  if (field.kind === "json") return JSON.stringify(field.default, null, 2);
  if (field.default === null) return "";
  return typeof field.default === "string" ? field.default : String(field.default);
}

/** The outcome of reading the form: parameters to send, or the fields that cannot be read. */
export type ReadResult =
  | { readonly ok: true; readonly parameters: Record<string, unknown> }
  | { readonly ok: false; readonly errors: Record<string, string> };

/**
 * Turns what was typed into parameters. An empty optional input is left out, so the flow's
 * default applies; an empty required one is left out too, and the API says it is missing.
 * Numbers must be numbers and JSON must parse; everything else is the API's to judge.
 *
 * @example
 * ```ts
 * readValues(fields, { testDataRatio: "0.3", seed: "" }); // { ok: true, parameters: { testDataRatio: 0.3 } }
 * ```
 */
export function readValues(
  fields: readonly Field[],
  values: Readonly<Record<string, FieldValue>>,
): ReadResult {
  const parameters: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const value = values[field.name] ?? initialValue(field);
    if (field.kind === "boolean") {
      parameters[field.name] = value === true;
      continue;
    }
    const text = typeof value === "string" ? value : String(value);
    if (text.trim() === "" && field.kind !== "string") continue;
    if (text === "" && field.kind === "string") continue;
    switch (field.kind) {
      case "string":
        parameters[field.name] = text;
        break;
      case "number":
      case "integer": {
        const n = Number(text.trim());
        if (!Number.isFinite(n)) errors[field.name] = "Enter a number";
        else if (field.kind === "integer" && !Number.isInteger(n))
          errors[field.name] = "Enter a whole number";
        else parameters[field.name] = n;
        break;
      }
      case "enum": {
        const options = field.options ?? [];
        const index = Number(text);
        if (!Number.isInteger(index) || index < 0 || index >= options.length)
          errors[field.name] = "Pick one of the options";
        else parameters[field.name] = options[index];
        break;
      }
      case "json": {
        const parsed = parseJson(text);
        if (parsed.ok) parameters[field.name] = parsed.value;
        else errors[field.name] = `Not valid JSON: ${parsed.message}`;
        break;
      }
    }
  }
  return Object.keys(errors).length === 0 ? { ok: true, parameters } : { ok: false, errors };
}

/**
 * Parses JSON text, reporting the parser's message instead of throwing.
 *
 * @example
 * ```ts
 * parseJson('{"a": 1}'); // { ok: true, value: { a: 1 } }
 * ```
 */
export function parseJson(
  text: string,
): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Reads the "all parameters as one JSON object" input of a flow without a schema.
 *
 * @example
 * ```ts
 * readJsonObject('{"floors": 3}'); // { ok: true, parameters: { floors: 3 } }
 * ```
 */
export function readJsonObject(text: string): ReadResult {
  if (text.trim() === "") return { ok: true, parameters: {} };
  const parsed = parseJson(text);
  if (!parsed.ok) return { ok: false, errors: { parameters: `Not valid JSON: ${parsed.message}` } };
  const value = parsed.value;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, errors: { parameters: "Parameters must be a JSON object, like {}" } };
  }
  return { ok: true, parameters: value as Record<string, unknown> };
}

/**
 * Splits the tags input (`etl, nightly`) into tags.
 *
 * @example
 * ```ts
 * parseTags(" etl, nightly ,,"); // ["etl", "nightly"]
 * ```
 */
export function parseTags(text: string): string[] {
  return [
    ...new Set(
      text
        .split(",")
        .map((t) => t.trim())
        .filter((t) => t !== ""),
    ),
  ];
}

/**
 * Where the form shows an API error: next to a parameter (`parameters.url` → `url`, and
 * `parameters.split.trainX` → `split`), next to a run option (`name`, `tags`), or above the
 * form when it names no input.
 *
 * @example
 * ```ts
 * errorTarget("parameters.testDataRatio", ["testDataRatio"]); // { kind: "parameter", name: "testDataRatio" }
 * ```
 */
export function errorTarget(
  field: string | undefined,
  parameterNames: readonly string[],
):
  | { kind: "parameter"; name: string }
  | { kind: "option"; name: "name" | "tags" }
  | { kind: "form" } {
  if (field === undefined || field === "") return { kind: "form" };
  const [head, next] = field.split(".");
  if (head === "parameters") {
    if (next !== undefined && parameterNames.includes(next))
      return { kind: "parameter", name: next };
    return { kind: "parameter", name: "" };
  }
  if (head === "name" || head === "tags") return { kind: "option", name: head };
  return { kind: "form" };
}
