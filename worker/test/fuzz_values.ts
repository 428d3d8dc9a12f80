/**
 * The values the OpenAPI fuzzer (fuzz_openapi.test.ts) breaks requests with: strings with
 * controls, bidi overrides, lone surrogates, emoji and other scripts; strings past every
 * length limit; numbers that are negative, fractional, huge or past the last `Date`; times far
 * in the future or malformed; JSON nested 10,000 levels; keys that could reach a prototype;
 * wrong percent-encodings. And the limits the API states for them (worker/api/limits.ts), which
 * a request crossing them must be refused with.
 *
 * @module
 */

import fc from "fast-check";
import { type Op, RawJson } from "./openapi.ts";

/** A limit the API states: crossing it must be refused with one of `statuses` naming `field`. */
export interface Limit {
  what: string;
  statuses: readonly number[];
  field: RegExp;
  message?: RegExp;
  /** Checked before anything else in the request, so it decides the answer even then. */
  first?: boolean;
}

/** The deepest nesting the fuzzer sends; anything past {@link DEEP} must be refused. */
export const NESTING = 10_000;
export const DEEP = 1_000;

/** A JSON array or object nested `depth` levels. */
export function nested(kind: "array" | "object", depth: number): RawJson {
  return kind === "array"
    ? new RawJson(`${"[".repeat(depth)}${"]".repeat(depth)}`, "array")
    : new RawJson(`${'{"a":'.repeat(depth - 1)}{}${"}".repeat(depth - 1)}`, "object");
}

/** Characters that names and tags must not hold: controls, bidi formatting, lone surrogates. */
export const FORBIDDEN_IN_LABELS = [
  "\u0000",
  "\u0007",
  "\u001b",
  "\u007f",
  "\u0085",
  "\u202e",
  "\u2066",
  "\u200f",
  "\ud800",
  "\udfff",
  "\r\n",
];
/** Characters that are fine anywhere: emoji, combining marks, other scripts, zero-width joiners. */
export const UNUSUAL_BUT_FINE = [
  "😀",
  "👩‍👩‍👧",
  "é",
  "e\u0301",
  "日本",
  "\u200b",
  "\ufeff",
  "ｆｕｌｌ",
  "𝔘",
  "'",
  '"',
  "\\",
  "%00",
  "<b>",
];

/** Whether a string holds a character {@link FORBIDDEN_IN_LABELS} stands for. */
export function hasForbiddenChar(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit <= 0x1f || (unit >= 0x7f && unit <= 0x9f)) return true;
    if (unit === 0x061c || unit === 0x200e || unit === 0x200f) return true;
    if ((unit >= 0x202a && unit <= 0x202e) || (unit >= 0x2066 && unit <= 0x2069)) return true;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else return true;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) return true;
  }
  return false;
}

export const oddString = fc.oneof(
  fc.string({ unit: "binary", minLength: 1, maxLength: 12 }),
  fc
    .array(fc.constantFrom(...FORBIDDEN_IN_LABELS, ...UNUSUAL_BUT_FINE, "a", "run"), {
      minLength: 1,
      maxLength: 6,
    })
    .map((parts) => parts.join("")),
);

export const hugeString = fc.constantFrom(
  "x".repeat(201),
  "y".repeat(10_001),
  "é".repeat(300_000),
  "😀".repeat(150),
);

export const oddNumber = fc.constantFrom(
  -1,
  -0,
  0.5,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER + 2,
  9_000_000_000_000_000,
  8.64e15 + 1,
  253_402_300_799_999,
  1e-300,
);

export const oddTime = fc.constantFrom(
  "9999-12-31T23:59:59Z",
  "+275760-09-13T00:00:00.000Z",
  "2099-12-31T23:59:59.999+14:00",
  "1969-12-31T23:59:59Z",
  "2024-02-30T00:00:00Z",
  "2024-01-01T25:00:00Z",
  "2024-01-01",
  "now",
);

/** A value of some JSON type, often the wrong one, for any property. */
export const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(true, false, null, "", 0, [], {}, [1, "a"], { a: 1 }),
  oddNumber,
  oddTime,
  oddString,
  hugeString,
  fc.array(oddString, { minLength: 1, maxLength: 3 }),
  fc.array(fc.constant("tag"), { minLength: 51, maxLength: 60 }),
  fc.constantFrom(nested("array", NESTING), nested("object", NESTING), nested("array", 40)),
);

/** Keys a body must not take, some that could reach an object's prototype. */
export const strangeKey = fc.oneof(
  fc.constantFrom("__proto__", "constructor", "prototype", "toString", "extra", "Name", "name "),
  fc.string({ unit: "binary", minLength: 0, maxLength: 8 }),
);

/** Percent-encodes a path segment; lone surrogates go as the bytes of U+FFFD, as a browser sends them. */
export function encodeSegment(text: string): string {
  return [...new TextEncoder().encode(text)]
    .map((b) => {
      const c = String.fromCharCode(b);
      return /[A-Za-z0-9\-._~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
    })
    .join("");
}

/** What the server decodes a string to after UTF-8 transport (lone surrogates become U+FFFD). */
export function afterTransport(text: string): string {
  return new TextDecoder().decode(new TextEncoder().encode(text));
}

/** Percent-encodings that are wrong or surprising, sent as they are. */
export const RAW_SEGMENTS = [
  "%",
  "%zz",
  "%FF",
  "%ED%A0%80",
  "%C0%AF",
  "%00",
  "%2F",
  "%252F",
  "a%2F..%2Fb",
];

/** Whether any part of a value nests deeper than {@link DEEP} levels (only RawJson does). */
export function holdsDeep(value: unknown, depth = 0): boolean {
  if (value instanceof RawJson) return value.text.length > DEEP * 2;
  if (value === null || typeof value !== "object" || depth > 10) return false;
  return Object.values(value).some((v) => holdsDeep(v, depth + 1));
}

/** The stated limit a create-run or event body crosses, if any (see worker/api/limits.ts). */
export function limitCrossed(op: Op, value: unknown): Limit | undefined {
  if (
    value === null ||
    typeof value !== "object" ||
    Array.isArray(value) ||
    value instanceof RawJson
  )
    return undefined;
  const body = value as Record<string, unknown>;
  for (const key of ["parameters", "payload"]) {
    if (holdsDeep(body[key])) {
      return {
        what: `${key} nested ${NESTING} levels`,
        statuses: [400, 413, 422],
        field: new RegExp(`^${key}(\\.|$)`),
        message: /dep|nest/i,
      };
    }
  }
  if (!op.path.endsWith("/runs") || op.method !== "POST") return undefined;
  if (typeof body.scheduledAt === "number" && body.scheduledAt >= 8.64e15) {
    return { what: "scheduledAt past the last Date", statuses: [400, 422], field: /^scheduledAt$/ };
  }
  if (typeof body.name === "string" && hasForbiddenChar(body.name)) {
    return { what: "control, bidi or surrogate in name", statuses: [400, 422], field: /^name$/ };
  }
  if (
    Array.isArray(body.tags) &&
    body.tags.some((t) => typeof t === "string" && hasForbiddenChar(t))
  ) {
    return {
      what: "control, bidi or surrogate in a tag",
      statuses: [400, 422],
      field: /^tags(\.\d+)?$/,
    };
  }
  return undefined;
}

export const JSON_HEADERS = { "content-type": "application/json" };

export interface BodyPart {
  headers: Record<string, string>;
  body?: string;
  json?: unknown;
  label: string;
  broken?: string;
  limit?: Limit;
}

/** A body over the 1 MiB limit, which every route must refuse with 413. */
export const TOO_LARGE_BODY: BodyPart = {
  headers: JSON_HEADERS,
  body: `{"x":"${"x".repeat(1_100_000)}"}`,
  label: "1.1 MB body",
  broken: "over the body limit",
  limit: { what: "body over 1 MiB", statuses: [413], field: /^$/, first: true },
};

/** Bodies that are not JSON, not an object, or not JSON the API should read. */
export const RAW_BODIES: BodyPart[] = [
  { headers: JSON_HEADERS, body: "", label: "empty JSON", broken: "empty body claimed as JSON" },
  { headers: JSON_HEADERS, body: "{", label: "truncated JSON", broken: "malformed" },
  { headers: JSON_HEADERS, body: "{'a':1}", label: "single quotes", broken: "malformed" },
  { headers: JSON_HEADERS, body: '{"a":1,}', label: "trailing comma", broken: "malformed" },
  { headers: JSON_HEADERS, body: "{}garbage", label: "trailing garbage", broken: "malformed" },
  { headers: JSON_HEADERS, body: "NaN", label: "NaN", broken: "malformed" },
  { headers: JSON_HEADERS, body: "\u0000", label: "NUL", broken: "malformed" },
  { headers: JSON_HEADERS, body: "\ufeff{}", label: "JSON after a byte-order mark" },
  {
    headers: { "content-type": "application/json; charset=utf-8" },
    body: "{}",
    label: "JSON with charset",
  },
  {
    headers: { "content-type": "text/plain" },
    body: "{}",
    label: "text/plain",
    broken: "not JSON",
  },
  {
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "reason=x&payload=1",
    label: "form",
    broken: "not JSON",
  },
  {
    headers: { "content-type": "application/octet-stream" },
    body: "\u0000\u0001",
    label: "bytes",
    broken: "not JSON",
  },
  TOO_LARGE_BODY,
];
