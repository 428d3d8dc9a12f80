/**
 * Flow parameters checked against any Standard Schema library (zod, valibot, arktype…), with
 * errors that name the field, and exported as JSON Schema for forms.
 *
 * @module
 */

import type { StandardJSONSchemaV1, StandardSchemaV1 } from "@standard-schema/spec";
import { type ParameterIssue, ParameterValidationError } from "./errors.ts";

/**
 * Validates `value` against `schema`, resolving to the schema's output (defaults applied).
 *
 * @example
 * ```ts
 * await validateParams("cat-fact", z.object({ url: z.url() }), { url: "nope" });
 * // throws ParameterValidationError: Invalid parameters for flow 'cat-fact': url: Invalid URL
 * ```
 * @throws {ParameterValidationError} naming each field at fault.
 */
export async function validateParams(
  flowName: string,
  schema: StandardSchemaV1 | undefined,
  value: unknown,
): Promise<unknown> {
  if (schema === undefined) return value;
  const result = await schema["~standard"].validate(value);
  if (result.issues === undefined) return result.value;
  const issues: ParameterIssue[] = result.issues.map((issue) => ({
    field: (issue.path ?? [])
      .map((segment) => String(typeof segment === "object" ? segment.key : segment))
      .join("."),
    message: issue.message,
  }));
  throw new ParameterValidationError(flowName, issues);
}

/**
 * The JSON Schema (draft 2020-12) of a schema's input, when the library implements Standard
 * JSON Schema (zod 4.2+, valibot with its converter, arktype), else `fallback`.
 *
 * @example
 * ```ts
 * paramsJsonSchema(z.object({ n: z.number() })); // { type: "object", properties: { n: { type: "number" } }, ... }
 * ```
 */
export function paramsJsonSchema(
  schema: StandardSchemaV1 | undefined,
  fallback?: Record<string, unknown>,
): Record<string, unknown> | undefined {
  if (fallback !== undefined) return fallback;
  const props = (schema as Partial<StandardJSONSchemaV1> | undefined)?.["~standard"];
  if (props === undefined || !("jsonSchema" in props) || props.jsonSchema === undefined) {
    return undefined;
  }
  return props.jsonSchema.input({ target: "draft-2020-12" });
}
