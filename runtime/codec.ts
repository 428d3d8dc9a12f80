/**
 * How step results and parameters are written to the journal: as JSON-safe data, so every
 * journal (in memory, SQLite, HTTP) stores the same thing. Beyond JSON it keeps `undefined`,
 * `Date`, `bigint`, `Map`, `Set`, `Uint8Array`, non-finite numbers and errors. Values of other
 * classes lose their prototype, as they would through `JSON.stringify`.
 *
 * @module
 */

import { deserializeError, type SerializedError, serializeError } from "./errors.ts";

/** JSON-safe data produced by {@link encode}. */
export type Encoded = null | boolean | number | string | Encoded[] | { [key: string]: Encoded };

const TAG = "$weir";

/**
 * Encodes a value as JSON-safe data.
 *
 * @example
 * ```ts
 * JSON.stringify(encode({ at: new Date(0) })); // '{"at":{"$weir":"Date","v":"1970-01-01T00:00:00.000Z"}}'
 * ```
 * @throws {TypeError} for functions, symbols and cyclic structures, naming the path.
 */
export function encode(value: unknown, path = "$", seen?: Set<object>): Encoded {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : { [TAG]: "Number", v: String(value) };
    case "undefined":
      return { [TAG]: "undefined" };
    case "bigint":
      return { [TAG]: "BigInt", v: value.toString() };
    case "function":
    case "symbol":
      throw new TypeError(`Cannot store ${typeof value} at ${path}: results must be data`);
  }
  if (value === null) return null;
  const object = value as object;
  const visited = seen ?? new Set<object>();
  if (visited.has(object)) {
    throw new TypeError(`Cannot store a cyclic structure: ${path} refers back to itself`);
  }
  visited.add(object);
  try {
    if (Array.isArray(object))
      return object.map((item, i) => encode(item, `${path}[${i}]`, visited));
    if (object instanceof Date) {
      // An invalid date has no ISO form (toISOString throws); it is kept as an invalid date.
      const time = object.getTime();
      return { [TAG]: "Date", v: Number.isNaN(time) ? "Invalid Date" : object.toISOString() };
    }
    if (object instanceof Map) {
      return {
        [TAG]: "Map",
        v: [...object].map(([k, v], i) => [
          encode(k, `${path}.key${i}`, visited),
          encode(v, `${path}.get(${String(k)})`, visited),
        ]),
      };
    }
    if (object instanceof Set) {
      return { [TAG]: "Set", v: [...object].map((v, i) => encode(v, `${path}[${i}]`, visited)) };
    }
    if (object instanceof Uint8Array) return { [TAG]: "Bytes", v: toBase64(object) };
    if (object instanceof Error) {
      return { [TAG]: "Error", v: serializeError(object) as unknown as Encoded };
    }
    const out: { [key: string]: Encoded } = {};
    for (const key of Object.keys(object)) {
      const item = (object as Record<string, unknown>)[key];
      if (typeof item === "function" || typeof item === "symbol") continue;
      out[key] = encode(item, `${path}.${key}`, visited);
    }
    return TAG in out ? { [TAG]: "Escaped", v: out } : out;
  } finally {
    visited.delete(object);
  }
}

/**
 * Decodes data produced by {@link encode}.
 *
 * @example
 * ```ts
 * decode(encode(new Map([["a", 1]]))); // Map { "a" => 1 }
 * ```
 */
export function decode(data: Encoded): unknown {
  if (data === null || typeof data !== "object") return data;
  if (Array.isArray(data)) return data.map(decode);
  const tag = data[TAG];
  if (typeof tag === "string") {
    const v = data.v;
    switch (tag) {
      case "undefined":
        return undefined;
      case "Number":
        return Number(v);
      case "BigInt":
        return BigInt(v as string);
      case "Date":
        return new Date(v as string);
      case "Map":
        return new Map((v as Encoded[][]).map(([k, x]) => [decode(k ?? null), decode(x ?? null)]));
      case "Set":
        return new Set((v as Encoded[]).map(decode));
      case "Bytes":
        return fromBase64(v as string);
      case "Error":
        return deserializeError(v as unknown as SerializedError);
      case "Escaped":
        return decodeObject(v as { [key: string]: Encoded });
    }
  }
  return decodeObject(data);
}

function decodeObject(data: { [key: string]: Encoded }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(data)) out[key] = decode(data[key] ?? null);
  return out;
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
