// Type-level promises of the `weir` entry point, checked by `tsc -p tests-d` in `npm run check`
// (nothing here runs): `yield*` gives each step's result its type, `await step` in a flow is
// a compile error, and parameters take their type from the flow's schema.
import { expectTypeOf } from "vitest";
import {
  all,
  allSettled,
  concurrency,
  type Flow,
  flow,
  map,
  race,
  rateLimit,
  runDeployment,
  type Settled,
  sleep,
  task,
  waitForEvent,
} from "weir";
import { z } from "zod";

const fetchNumber = task({ name: "fetch-number" }, async (n: number) => n * 2);
const toText = task({ name: "to-text" }, (n: number) => `#${n}`);

flow({ name: "typed-steps" }, async function* (_params: { n: number }) {
  const doubled = yield* fetchNumber(1);
  expectTypeOf(doubled).toEqualTypeOf<number>();
  const text = yield* toText(doubled);
  expectTypeOf(text).toEqualTypeOf<string>();

  const [a, b] = yield* all([fetchNumber(2), toText(3)]);
  expectTypeOf(a).toEqualTypeOf<number>();
  expectTypeOf(b).toEqualTypeOf<string>();
  const settled = yield* allSettled([fetchNumber(4)]);
  expectTypeOf(settled[0]).toEqualTypeOf<Settled<number>>();
  const first = yield* race([fetchNumber(5), fetchNumber(6)]);
  expectTypeOf(first).toEqualTypeOf<number>();
  const many = yield* map(fetchNumber, [1, 2, 3]);
  expectTypeOf(many).toEqualTypeOf<number[]>();

  const handle = yield* fetchNumber.submit(7);
  const later = yield* handle;
  expectTypeOf(later).toEqualTypeOf<number>();

  const slept = yield* sleep("1m");
  expectTypeOf(slept).toEqualTypeOf<void>();
  const approval = yield* waitForEvent<{ by: string }>("approved");
  expectTypeOf(approval).toEqualTypeOf<{ by: string }>();
  const child = yield* runDeployment("other/nightly", { n: 1 });
  expectTypeOf(child).toEqualTypeOf<unknown>();

  // @ts-expect-error: a step is not a promise; inside a flow it is run with `yield*`.
  await fetchNumber(8);
  // @ts-expect-error: a task takes the arguments its function declares.
  yield* fetchNumber("eight");
  return text;
});

const withSchema = flow(
  { name: "schema-params", params: z.object({ url: z.string(), retries: z.number().default(3) }) },
  async function* (params) {
    // Inside the body: the schema's output (defaults applied).
    expectTypeOf(params).toEqualTypeOf<{ url: string; retries: number }>();
    return params.url.length + (yield* fetchNumber(params.retries));
  },
);
// Callers pass the schema's input (fields with defaults optional), and get the result's type.
expectTypeOf(withSchema).toExtend<
  Flow<{ url: string; retries?: number | undefined }, number, { url: string; retries: number }>
>();
expectTypeOf(withSchema.run)
  .parameter(0)
  .toEqualTypeOf<{ url: string; retries?: number | undefined }>();
expectTypeOf(withSchema.run({ url: "https://example.com" })).toEqualTypeOf<Promise<number>>();
// @ts-expect-error: `url` is required by the schema.
void withSchema.run({});
// @ts-expect-error: `retries` must be a number.
void withSchema.run({ url: "x", retries: "3" });

flow({ name: "subflow-call" }, async function* () {
  const length = yield* withSchema({ url: "https://example.com" });
  expectTypeOf(length).toEqualTypeOf<number>();
  return length;
});

// Concurrency: a group's result keeps its type; rateLimit is a step of nothing; a flow's
// concurrency key is typed from its parameters.
flow({ name: "limited" }, async function* () {
  const inGroup = yield* concurrency("db", { occupy: 1 }, async function* () {
    return yield* fetchNumber(2);
  });
  expectTypeOf(inGroup).toEqualTypeOf<number>();
  const plain = yield* concurrency(["a", "b"], function* () {
    yield* fetchNumber(1);
    return "sync body";
  });
  expectTypeOf(plain).toEqualTypeOf<string>();
  const rated = yield* rateLimit("api", { limit: 10, slotDecayPerSecond: 2 });
  expectTypeOf(rated).toEqualTypeOf<void>();
  // @ts-expect-error: occupy is a number.
  void concurrency("db", { occupy: "1" }, function* () {});
  return inGroup;
});
flow(
  {
    name: "keyed",
    params: z.object({ customerId: z.string() }),
    concurrency: { limit: 1, key: (p) => p.customerId, strategy: "CANCEL_NEW" },
  },
  async function* ({ customerId }) {
    yield* fetchNumber(1);
    return customerId;
  },
);
flow(
  {
    name: "bad-strategy",
    // @ts-expect-error: a strategy is ENQUEUE or CANCEL_NEW.
    concurrency: { limit: 1, strategy: "DROP" },
  },
  async function* () {
    return yield* fetchNumber(1);
  },
);
