/**
 * Tiny assertions for the contract suites, which must run unchanged under Deno, Node and
 * workerd (vitest): no `node:assert`, only web-standard APIs. Each throws an `Error` whose
 * message says what was expected and what was found.
 *
 * @module
 */

/**
 * Throws unless `condition` is truthy.
 *
 * @example
 * ```ts
 * assertTrue(entries.length > 0, "the journal holds entries");
 * ```
 */
export function assertTrue(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`Assertion failed: ${message}`);
}

/**
 * Throws unless `actual` and `expected` are the same value (`Object.is`).
 *
 * @example
 * ```ts
 * assertEqual(entries.length, 3, "entries read back");
 * ```
 */
export function assertEqual<T>(actual: T, expected: T, message = "values differ"): void {
  if (!Object.is(actual, expected)) {
    throw new Error(
      `Assertion failed: ${message}: expected ${show(expected)}, got ${show(actual)}`,
    );
  }
}

/**
 * Throws unless `actual` and `expected` are structurally equal: same prototypes for class
 * instances (Date, Map, Set, Uint8Array, Error), same own enumerable keys, same values.
 * `undefined`-valued keys count as keys.
 *
 * @example
 * ```ts
 * assertDeepEqual(await journal.read("r"), [entry], "journal content");
 * ```
 */
export function assertDeepEqual(actual: unknown, expected: unknown, message = "values differ") {
  const difference = diff(actual, expected, "$");
  if (difference !== undefined) {
    throw new Error(
      `Assertion failed: ${message}: ${difference}\n  expected: ${show(expected)}\n  actual:   ${show(actual)}`,
    );
  }
}

/**
 * Throws unless `value` is an instance of `cls`.
 *
 * @example
 * ```ts
 * assertInstanceOf(error, TimeoutError, "decoded error");
 * ```
 */
export function assertInstanceOf<T>(
  value: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: any constructor, whatever its parameters.
  cls: abstract new (...args: any[]) => T,
  message = "wrong class",
): asserts value is T {
  if (!(value instanceof cls)) {
    const found =
      typeof value === "object" && value !== null
        ? `an instance of ${(value as object).constructor?.name ?? "Object"}`
        : show(value);
    throw new Error(
      `Assertion failed: ${message}: expected an instance of ${cls.name}, got ${found}`,
    );
  }
}

/**
 * Resolves to the error `run` rejects (or throws) with; throws when it does not.
 *
 * @example
 * ```ts
 * const error = await assertRejects(() => handle.result(), "the run fails");
 * ```
 */
export async function assertRejects(run: () => unknown, message: string): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error(`Assertion failed: ${message}: expected a rejection, got none`);
}

function diff(actual: unknown, expected: unknown, path: string): string | undefined {
  if (Object.is(actual, expected)) return undefined;
  if (
    typeof actual !== "object" ||
    typeof expected !== "object" ||
    actual === null ||
    expected === null
  ) {
    return `at ${path}: expected ${show(expected)}, got ${show(actual)}`;
  }
  if (Object.getPrototypeOf(actual) !== Object.getPrototypeOf(expected)) {
    return `at ${path}: expected ${kindOf(expected)}, got ${kindOf(actual)}`;
  }
  if (actual instanceof Date && expected instanceof Date) {
    return Object.is(actual.getTime(), expected.getTime())
      ? undefined
      : `at ${path}: expected date ${show(expected)}, got ${show(actual)}`;
  }
  if (actual instanceof Uint8Array && expected instanceof Uint8Array) {
    if (actual.length !== expected.length) {
      return `at ${path}: expected ${expected.length} bytes, got ${actual.length}`;
    }
    const at = actual.findIndex((byte, i) => byte !== expected[i]);
    return at === -1 ? undefined : `at ${path}[${at}]: bytes differ`;
  }
  if (actual instanceof Map && expected instanceof Map) {
    return diff([...actual], [...expected], `${path}<map entries>`);
  }
  if (actual instanceof Set && expected instanceof Set) {
    return diff([...actual], [...expected], `${path}<set values>`);
  }
  if (actual instanceof Error && expected instanceof Error) {
    if (actual.name !== expected.name) {
      return `at ${path}.name: expected ${show(expected.name)}, got ${show(actual.name)}`;
    }
    if (actual.message !== expected.message) {
      return `at ${path}.message: expected ${show(expected.message)}, got ${show(actual.message)}`;
    }
  }
  if (Array.isArray(actual) && Array.isArray(expected)) {
    if (actual.length !== expected.length) {
      return `at ${path}: expected ${expected.length} items, got ${actual.length}`;
    }
    for (let i = 0; i < expected.length; i++) {
      const d = diff(actual[i], expected[i], `${path}[${i}]`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  const actualKeys = Object.keys(actual).sort();
  const expectedKeys = Object.keys(expected).sort();
  const missing = expectedKeys.filter((key) => !actualKeys.includes(key));
  if (missing.length > 0) return `at ${path}: missing key(s) ${missing.join(", ")}`;
  const extra = actualKeys.filter((key) => !expectedKeys.includes(key));
  if (extra.length > 0) return `at ${path}: unexpected key(s) ${extra.join(", ")}`;
  for (const key of expectedKeys) {
    const d = diff(
      (actual as Record<string, unknown>)[key],
      (expected as Record<string, unknown>)[key],
      `${path}.${key}`,
    );
    if (d !== undefined) return d;
  }
  return undefined;
}

function kindOf(value: object): string {
  if (Array.isArray(value)) return "an array";
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === null) return "a null-prototype object";
  return `an instance of ${(value as object).constructor?.name ?? "an unknown class"}`;
}

function show(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "string") return JSON.stringify(value);
  if (value === undefined || typeof value === "number" || typeof value === "symbol") {
    return String(value);
  }
  if (typeof value === "function") return `function ${value.name || "(anonymous)"}`;
  if (value instanceof Date)
    return `Date(${Number.isNaN(value.getTime()) ? "Invalid" : value.toISOString()})`;
  if (value instanceof Map) return `Map(${show([...value])})`;
  if (value instanceof Set) return `Set(${show([...value])})`;
  if (value instanceof Error) return `${value.name}(${JSON.stringify(value.message)})`;
  try {
    const text = JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === "bigint") return `${v}n`;
      if (v === undefined) return "<undefined>";
      if (typeof v === "number" && !Number.isFinite(v)) return String(v);
      if (v instanceof Map) return { "<Map>": [...v] };
      if (v instanceof Set) return { "<Set>": [...v] };
      if (v instanceof Uint8Array) return { "<Uint8Array>": [...v] };
      if (v instanceof Error) return { "<Error>": `${v.name}: ${v.message}` };
      return v;
    });
    return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
  } catch {
    return String(value);
  }
}
