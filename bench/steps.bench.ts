/**
 * The scenarios of the runtime benchmark: a flow of N sequential task steps on the in-memory
 * journal (plain and serializing), a map() fan-out, and the baselines they are compared with,
 * the same async function awaited directly.
 *
 * Each scenario checks its own result, so a benchmark that stopped doing the work fails loudly
 * instead of reporting a fast time.
 *
 * @module
 */

import { flow, InMemoryJournal, map, task } from "../runtime/host.ts";

/** The trivial async function every scenario calls, directly or as a task. */
export const incFn = async (n: number): Promise<number> => n + 1;

/** The same function as a task. */
export const inc = task({ name: "inc" }, incFn);

/** N sequential steps: `x = yield* inc(x)`. */
export const chain = flow({ name: "bench-chain" }, async function* (params: { n: number }) {
  let x = 0;
  for (let i = 0; i < params.n; i++) x = yield* inc(x);
  return x;
});

/** N steps as one map() group, `concurrency` at a time. */
export const fanOut = flow(
  { name: "bench-map" },
  async function* (params: { n: number; concurrency: number }) {
    const items = Array.from({ length: params.n }, (_, i) => i);
    const results = yield* map(inc, items, { concurrency: params.concurrency });
    let sum = 0;
    for (const r of results) sum += r;
    return sum;
  },
);

/**
 * Heap held per step while a run is in progress: a flow of `n` steps measures, in a last task,
 * the heap in use after full collections against the heap before the run. This is what a
 * long run keeps in memory (its journal and its record), whatever the machine's speed.
 *
 * @example
 * ```ts
 * await heldBytesPerStep(10_000, gc, () => process.memoryUsage().heapUsed); // ≈ 570
 * ```
 */
export async function heldBytesPerStep(
  n: number,
  gc: () => void,
  heapUsed: () => number,
): Promise<number> {
  let before = 0;
  let held = 0;
  const probe = task({ name: "probe" }, () => {
    gc();
    gc();
    held = heapUsed() - before;
    return 0;
  });
  const probed = flow({ name: "bench-held" }, async function* (params: { n: number }) {
    let x = 0;
    for (let i = 0; i < params.n; i++) x = yield* inc(x);
    yield* probe();
    return x;
  });
  gc();
  gc();
  before = heapUsed();
  const x = await probed.run({ n }, { journal: new InMemoryJournal(), console: false });
  check("held memory", x, n);
  return held / n;
}

/** One benchmark scenario: `run` does `steps` calls of {@link incFn} and checks the result. */
export interface Scenario {
  readonly name: string;
  /** What it is compared with (another scenario's name), or undefined for a baseline. */
  readonly baseline?: string;
  readonly steps: number;
  run(): Promise<void>;
}

function check(name: string, got: unknown, want: number): void {
  if (got !== want) throw new Error(`Scenario '${name}' returned ${String(got)}, expected ${want}`);
}

/**
 * The scenarios for `n` steps and a map() concurrency of `concurrency`.
 *
 * @example
 * ```ts
 * for (const s of scenarios(10_000, 100)) await s.run();
 * ```
 */
export function scenarios(n: number, concurrency: number): Scenario[] {
  const mapSum = (n * (n + 1)) / 2;
  return [
    {
      name: "direct: await fn() x N",
      steps: n,
      async run() {
        let x = 0;
        for (let i = 0; i < n; i++) x = await incFn(x);
        check(this.name, x, n);
      },
    },
    {
      name: "weir flow, InMemoryJournal",
      baseline: "direct: await fn() x N",
      steps: n,
      async run() {
        const x = await chain.run({ n }, { journal: new InMemoryJournal(), console: false });
        check(this.name, x, n);
      },
    },
    {
      name: "weir flow, InMemoryJournal({ serialize: true })",
      baseline: "direct: await fn() x N",
      steps: n,
      async run() {
        const journal = new InMemoryJournal({ serialize: true });
        const x = await chain.run({ n }, { journal, console: false });
        check(this.name, x, n);
      },
    },
    {
      name: `direct: ${concurrency} workers x fn()`,
      steps: n,
      async run() {
        const items = Array.from({ length: n }, (_, i) => i);
        const results: number[] = new Array(n);
        let next = 0;
        const worker = async () => {
          while (next < n) {
            const i = next++;
            results[i] = await incFn(items[i] ?? 0);
          }
        };
        await Promise.all(Array.from({ length: concurrency }, worker));
        let sum = 0;
        for (const r of results) sum += r;
        check(this.name, sum, mapSum);
      },
    },
    {
      name: `weir map(), concurrency ${concurrency}`,
      baseline: `direct: ${concurrency} workers x fn()`,
      steps: n,
      async run() {
        const sum = await fanOut.run(
          { n, concurrency },
          { journal: new InMemoryJournal(), console: false },
        );
        check(this.name, sum, mapSum);
      },
    },
  ];
}
