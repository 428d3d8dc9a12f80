/**
 * Requests for the OpenAPI fuzzer (fuzz_openapi.test.ts), built from an operation of the
 * served document: path parameters, query strings, headers and bodies that the document
 * accepts, and the same broken on purpose (wrong types, extra and unknown fields, huge and
 * oddly encoded strings, 10,000-level nestings, out-of-range numbers and times, malformed JSON,
 * other content types).
 *
 * Each case says whether the document itself makes it invalid (`mustRefuse`, from the schema
 * checker in openapi.ts) and whether it crosses one of the API's stated limits (`limit`: depth,
 * characters, time range, body size), in which case a 4xx naming the field is expected.
 *
 * @module
 */

import fc from "fast-check";
import {
  afterTransport,
  type BodyPart,
  encodeSegment,
  hugeString,
  JSON_HEADERS,
  type Limit,
  limitCrossed,
  oddNumber,
  oddString,
  oddTime,
  oddValue,
  RAW_BODIES,
  RAW_SEGMENTS,
  strangeKey,
  TOO_LARGE_BODY,
} from "./fuzz_values.ts";
import {
  arbitraryFor,
  bodySchemaOf,
  type Op,
  type OpenApiDocument,
  paramsIn,
  resolve,
  type Schema,
  toJsonText,
  violations,
} from "./openapi.ts";

/** What the fuzzer knows about the app beyond the document: values that exist. */
export interface FuzzWorld {
  doc: OpenApiDocument;
  /** Registered flows and the JSON Schema of their parameters (from GET /api/flows). */
  flows: Map<string, Record<string, unknown> | null>;
  /** Runs that exist, in several states. */
  runIds: string[];
  /** Concurrency limits that exist. */
  limits: string[];
}

/** One request of the fuzzer. */
export interface Case {
  op: Op;
  method: string;
  /** Path with the query string. */
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** What was generated, for the failure message. */
  label: string;
  /** Why the document makes this request invalid, if it does. */
  mustRefuse?: string;
  limit?: Limit;
  /** Path parameters as the server decodes them (undefined: encoded oddly on purpose). */
  pathValues: Record<string, string | undefined>;
  /** The parsed body, when it is JSON the fuzzer built. */
  json?: unknown;
}

interface PathPart {
  encoded: string;
  decoded: string | undefined;
  broken?: string;
}

function pathParamArb(
  world: FuzzWorld,
  op: Op,
  name: string,
  schema: Schema,
): fc.Arbitrary<PathPart> {
  const known = knownPathValues(world, op, name);
  const checked = (text: string): PathPart => {
    const decoded = afterTransport(text);
    const broken = violations(world.doc, schema, decoded);
    return {
      encoded: encodeSegment(text),
      decoded,
      ...(broken.length ? { broken: broken.join("; ") } : {}),
    };
  };
  const generated = arbitraryFor(world.doc, schema).map((v) => String(v));
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...known).map(checked) },
    {
      weight: 2,
      arbitrary: generated.filter((v) => v !== "" && v !== "." && v !== "..").map(checked),
    },
    { weight: 2, arbitrary: fc.oneof(oddString, hugeString).map(checked) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(...RAW_SEGMENTS)
        .map((raw) => ({ encoded: raw, decoded: undefined })),
    },
  );
}

/** Values of a path parameter that exist in the app (runs, flows, an event the flows wait for). */
function knownPathValues(world: FuzzWorld, op: Op, name: string): string[] {
  if (name === "id") return [...world.runIds, "0b7a2c1e-5d4f-4e3a-9c8b-7a6f5e4d3c2b"];
  if (name === "name" && op.path.startsWith("/api/flows/"))
    return [...world.flows.keys(), "no-such-flow"];
  if (name === "name" && op.path.startsWith("/api/concurrency-limits/"))
    return [...world.limits, "no-such-limit", "deployment:0b7a2c1e"];
  if (name === "name") return ["approved", "go", "other"];
  if (name === "key") return ["fetch-fact/3f2a", "run-1/result", "no-such-key"];
  return ["x"];
}

interface QueryPart {
  text: string;
  broken?: string;
}

function queryArb(world: FuzzWorld, op: Op): fc.Arbitrary<QueryPart> {
  const params = paramsIn(op, "query");
  const one = params.map((p) =>
    fc
      .oneof(
        { weight: 6, arbitrary: fc.constant(null) },
        { weight: 3, arbitrary: arbitraryFor(world.doc, p.schema).map((v) => String(v)) },
        {
          weight: 1,
          arbitrary: fc.oneof(
            oddString,
            oddNumber.map(String),
            oddTime,
            fc.constantFrom("", "1.5", "0x10", "1e999", "99999999999999999999", "NaN"),
          ),
        },
      )
      .map((value): QueryPart => {
        if (value === null) return { text: "" };
        const sent = afterTransport(value);
        // A query value is always a string: it conforms if the string or the number it spells does.
        const asString = violations(world.doc, p.schema, sent);
        const asNumber =
          sent.trim() === "" ? asString : violations(world.doc, p.schema, Number(sent));
        const broken =
          asString.length && asNumber.length ? `${p.name}: ${asString.join("; ")}` : undefined;
        return {
          text: `${encodeSegment(p.name)}=${encodeSegment(value)}`,
          ...(broken ? { broken } : {}),
        };
      }),
  );
  const junk = fc.constantFrom("", "", "", "unknown=1", "limit", "&&", "limit=%FF", "=x");
  return fc.tuple(fc.tuple(...one), junk).map(([parts, extra]) => {
    const texts = [...parts.map((p) => p.text), extra].filter((t) => t !== "");
    const broken = parts.map((p) => p.broken).filter((b) => b !== undefined);
    return {
      text: texts.length ? `?${texts.join("&")}` : "",
      ...(broken.length ? { broken: broken.join("; ") } : {}),
    };
  });
}

/** A JSON body and what the document and the limits say about it. */
function jsonBody(
  doc: OpenApiDocument,
  schema: Schema,
  value: unknown,
  label: string,
  op: Op,
): BodyPart {
  const broken = violations(doc, schema, value);
  const limit = limitCrossed(op, value);
  return {
    headers: JSON_HEADERS,
    body: toJsonText(value),
    json: value,
    label,
    ...(broken.length ? { broken: broken.join("; ") } : {}),
    ...(limit ? { limit } : {}),
  };
}

/** Bodies for an operation; `flow` is the flow named in the path, whose parameters it fills. */
function bodyArb(world: FuzzWorld, op: Op, flow: string | undefined): fc.Arbitrary<BodyPart> {
  const schema = bodySchemaOf(op);
  if (schema === undefined) {
    if (op.method === "GET") return fc.constant({ headers: {}, label: "no body" });
    return fc.constantFrom<BodyPart>(
      { headers: {}, label: "no body" },
      { headers: JSON_HEADERS, body: '{"x":1}', label: "a body the operation does not take" },
      TOO_LARGE_BODY,
    );
  }
  const { doc } = world;
  const resolved = resolve(doc, schema);
  const props = Object.keys((resolved.properties ?? {}) as Record<string, Schema>);
  const flowSchema = flow === undefined ? undefined : world.flows.get(flow);
  const valid = arbitraryFor(doc, schema).chain((v) =>
    flowSchema && props.includes("parameters")
      ? arbitraryFor(doc, flowSchema as Schema).map((parameters) => ({
          ...(v as object),
          parameters,
        }))
      : fc.constant(v as Record<string, unknown>),
  ) as fc.Arbitrary<Record<string, unknown>>;
  const mutate = fc.oneof(
    fc
      .tuple(strangeKey, fc.jsonValue({ maxDepth: 1 }))
      .map(([k, x]) => (v: Record<string, unknown>) => ({
        value: { ...v, [k]: x },
        label: `extra field '${k}'`,
      })),
    fc
      .tuple(fc.constantFrom(...(props.length ? props : ["x"])), oddValue)
      .map(([k, x]) => (v: Record<string, unknown>) => ({
        value: { ...v, [k]: x },
        label: `odd value at '${k}'`,
      })),
    fc
      .tuple(fc.constantFrom(...(props.length ? props : ["x"])), strangeKey, oddValue)
      .map(([k, inner, x]) => (v: Record<string, unknown>) => ({
        value: { ...v, [k]: { [inner]: x } },
        label: `odd value inside '${k}'`,
      })),
    fc
      .constantFrom(null, [], "body", 1, true, [{}])
      .map((x) => () => ({ value: x as unknown, label: "not an object" })),
  );
  const raw = fc.constantFrom<BodyPart>(...RAW_BODIES);
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant<BodyPart>({ headers: {}, label: "no body" }) },
    { weight: 3, arbitrary: valid.map((v) => jsonBody(doc, schema, v, "valid body", op)) },
    {
      weight: 6,
      arbitrary: fc.tuple(valid, mutate).map(([v, m]) => {
        const { value, label } = m(v);
        return jsonBody(doc, schema, value, label, op);
      }),
    },
    { weight: 2, arbitrary: raw },
  );
}

const headerArb = fc.constantFrom<Record<string, string>>(
  {},
  {},
  { Upgrade: "websocket" },
  { Upgrade: "websocket", "Sec-WebSocket-Protocol": "weir.live.v1" },
  { Upgrade: "websocket", "Sec-WebSocket-Protocol": "graphql-ws, , weir.bearer.%%%" },
  { Accept: "text/html", "X-HTTP-Method-Override": "DELETE" },
);

/** Requests for one operation. */
export function caseArb(world: FuzzWorld, op: Op): fc.Arbitrary<Case> {
  const pathParams = paramsIn(op, "path");
  const path = fc.tuple(...pathParams.map((p) => pathParamArb(world, op, p.name, p.schema)));
  return fc.tuple(path, queryArb(world, op), headerArb).chain(([parts, query, headers]) => {
    const values = Object.fromEntries(pathParams.map((p, i) => [p.name, parts[i]]));
    const flow = op.path.startsWith("/api/flows/") ? values.name?.decoded : undefined;
    return bodyArb(world, op, flow).map((body): Case => {
      const url =
        op.path.replace(/\{([^}]+)\}/g, (_, n: string) => values[n]?.encoded ?? "x") + query.text;
      const broken = [...parts.map((p) => p.broken), query.broken, body.broken].filter(
        (b) => b !== undefined,
      );
      const requestHeaders = { ...(op.method === "GET" ? headers : {}), ...body.headers };
      return Object.assign(
        {
          op,
          method: op.method,
          url,
          headers: requestHeaders,
          label: body.label,
          pathValues: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v?.decoded])),
          ...(body.body !== undefined ? { body: body.body } : {}),
          ...(body.json !== undefined ? { json: body.json } : {}),
          ...(broken.length ? { mustRefuse: broken.join(" | ") } : {}),
          ...(body.limit ? { limit: body.limit } : {}),
        },
        {
          [fc.toStringMethod]: () =>
            describeCase({
              method: op.method,
              url,
              headers: requestHeaders,
              label: body.label,
              body: body.body,
            }),
        },
      );
    });
  });
}

/** A case as a line a person can replay (long bodies cut). */
export function describeCase(
  c: Pick<Case, "method" | "url" | "headers" | "label" | "body">,
): string {
  const body =
    c.body === undefined
      ? ""
      : ` body=${JSON.stringify(c.body.length > 300 ? `${c.body.slice(0, 300)}…(${c.body.length} chars)` : c.body)}`;
  return `${c.method} ${c.url.length > 300 ? `${c.url.slice(0, 300)}…` : c.url} headers=${JSON.stringify(c.headers)} [${c.label}]${body}`;
}
