/**
 * The limits every value the API accepts is held to, in one place so each route (run
 * parameters, event payloads, and later deployments, blocks and variables) applies the same
 * ones and the docs name one figure:
 *
 * - a JSON value nests at most {@link MAX_JSON_DEPTH} levels and serialises to at most
 *   {@link MAX_JSON_BYTES} bytes of UTF-8;
 * - a name, tag or key is well-formed Unicode with no control characters and no bidirectional
 *   formatting characters (which make one name display as another);
 * - a time is between 1970 and {@link MAX_TIME_MS} (the start of 2100), well inside what a
 *   Durable Object alarm accepts.
 *
 * The checks are iterative, so a value nested 10,000 levels deep is measured, not a stack
 * overflow.
 *
 * @module
 */

import { z } from "@hono/zod-openapi";
import { labelProblem } from "../runtime/labels.ts";

/** The deepest a JSON value may nest (a scalar is depth 0, `[1]` is 1). */
export const MAX_JSON_DEPTH = 32;

/** The most bytes (UTF-8) a JSON value may take when serialised. */
export const MAX_JSON_BYTES = 512 * 1024;

/** The latest time accepted (2100-01-01T00:00:00Z): Durable Object alarms stop at 2189. */
export const MAX_TIME_MS = Date.UTC(2100, 0, 1);

/**
 * The depth of a JSON value, or `undefined` once it exceeds `limit` (so a hostile value is not
 * walked in full). `"__proto__"` keys are reported through `onProtoKey`.
 *
 * @example
 * ```ts
 * jsonDepth({ a: [1] }); // 2
 * ```
 */
export function jsonDepth(
  value: unknown,
  limit = MAX_JSON_DEPTH,
  onProtoKey: () => void = () => {},
): number | undefined {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== "object") continue;
    const inner = depth + 1;
    if (inner > limit) return undefined;
    if (inner > deepest) deepest = inner;
    if (Array.isArray(node)) {
      for (const child of node) stack.push([child, inner]);
      continue;
    }
    for (const key of Object.keys(node)) {
      if (key === "__proto__") onProtoKey();
      stack.push([(node as Record<string, unknown>)[key], inner]);
    }
  }
  return deepest;
}

/**
 * What is wrong with a JSON value, or `undefined` when it is within the limits.
 *
 * @example
 * ```ts
 * jsonProblem([[[1]]]); // undefined
 * ```
 */
export function jsonProblem(value: unknown): string | undefined {
  let protoKey = false;
  if (jsonDepth(value, MAX_JSON_DEPTH, () => (protoKey = true)) === undefined) {
    return `nests deeper than ${MAX_JSON_DEPTH} levels (the limit for any JSON value)`;
  }
  // JSON.parse makes "__proto__" an ordinary key, but copying the object by assignment (as
  // validators and flow code do) would turn its value into the copy's prototype.
  if (protoKey) return 'holds a key named "__proto__", which is not accepted';
  const bytes = new TextEncoder().encode(JSON.stringify(value) ?? "").length;
  if (bytes > MAX_JSON_BYTES) {
    return `takes ${bytes} bytes as JSON; the limit is ${MAX_JSON_BYTES}`;
  }
  return undefined;
}

export { labelProblem };

/** Marks an issue as a semantic one, answered with 422 rather than 400 (see api/app.ts). */
export const INVALID_VALUE = { weir: "invalid_value" } as const;

/**
 * A zod string for a name, tag or key: 1 to `max` characters, checked by {@link labelProblem}.
 *
 * @example
 * ```ts
 * const Body = z.object({ name: label(200) });
 * ```
 */
export function label(max: number) {
  return z
    .string()
    .min(1)
    .max(max)
    .superRefine((text, ctx) => {
      const problem = labelProblem(text);
      if (problem !== undefined)
        ctx.addIssue({ code: "custom", message: problem, params: INVALID_VALUE });
    });
}

/**
 * A zod schema for any JSON value held to {@link MAX_JSON_DEPTH} and {@link MAX_JSON_BYTES}.
 *
 * @example
 * ```ts
 * const Body = z.object({ payload: boundedJson().optional() });
 * ```
 */
export function boundedJson() {
  return z.unknown().superRefine((value, ctx) => {
    const problem = jsonProblem(value);
    if (problem !== undefined)
      ctx.addIssue({ code: "custom", message: problem, params: INVALID_VALUE });
  });
}

/**
 * A zod object of JSON values (run parameters), held to the JSON limits as a whole.
 *
 * @example
 * ```ts
 * const Body = z.object({ parameters: boundedJsonObject().default({}) });
 * ```
 */
export function boundedJsonObject() {
  // Checked before the record copies it: the copy would drop a "__proto__" key and what it holds.
  return z.preprocess(
    (value, ctx) => {
      const problem = jsonProblem(value);
      if (problem !== undefined) {
        ctx.issues.push({ code: "custom", message: problem, params: INVALID_VALUE, input: value });
      }
      return value;
    },
    z.record(z.string(), z.unknown()),
  );
}

/**
 * Checks a time in epoch ms against the accepted range; `field` names it in the message.
 *
 * @example
 * ```ts
 * timeProblem(9e15); // "must be before 2100-01-01T00:00:00.000Z (epoch ms 4102444800000)"
 * ```
 */
export function timeProblem(ms: number): string | undefined {
  if (!Number.isFinite(ms) || ms < 0) return "must be a time after 1970-01-01T00:00:00Z";
  if (ms >= MAX_TIME_MS) {
    return `must be before ${new Date(MAX_TIME_MS).toISOString()} (epoch ms ${MAX_TIME_MS})`;
  }
  return undefined;
}
