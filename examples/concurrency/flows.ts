/**
 * Concurrency limits in flows, as Prefect's `concurrency()` and deployment/tag limits:
 *
 * - `db-writer` writes a batch while holding a slot of the global limit `db` (created on first
 *   use with 1 slot), then keeps the slot until someone sends it the event `done`: start two
 *   runs and the second waits in line (AwaitingConcurrencySlot) until the first is told `done`.
 * - `customer-sync` allows one run per customer at a time (a keyed limit, which Prefect lacks):
 *   runs for different customers run side by side; a second run for the same customer waits.
 * - `polite-crawl` fetches pages through the rate limit `crawler` (2 slots freed per second).
 *
 * Tag limits need no code: `weir concurrency-limit create warehouse 2` limits the task runs
 * tagged `warehouse` (here `load-batch`) across every run.
 *
 * @module
 */

import { z } from "zod";
import { concurrency, flow, rateLimit, task, waitForEvent } from "../../runtime/mod.ts";

/** Writes `rows` rows; tagged `warehouse`, so a `warehouse` tag limit applies to it. */
export const loadBatch = task(
  { name: "load-batch", tags: ["warehouse"], runName: "load-{0}-rows" },
  async (rows: number): Promise<number> => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return rows;
  },
);

/** Holds a slot of `db` while it writes and until it is told `done`. */
export const dbWriter = flow(
  {
    name: "db-writer",
    description:
      "Writes a batch while holding the global concurrency limit 'db' (1 slot), until told 'done'",
    params: z.object({
      rows: z.number().int().min(1).max(1_000_000).default(100).describe("Rows to write"),
    }),
  },
  async function* ({ rows }) {
    return yield* concurrency("db", { limit: 1 }, async function* () {
      const written = yield* loadBatch(rows);
      yield* waitForEvent("done");
      return written;
    });
  },
);

/** One run per customer at a time: a limit keyed by the `customerId` parameter. */
export const customerSync = flow(
  {
    name: "customer-sync",
    description: "Syncs one customer; at most one run per customer at a time (a keyed limit)",
    params: z.object({
      customerId: z.string().min(1).max(100).describe("The customer to sync"),
      waitFor: z
        .string()
        .max(100)
        .optional()
        .describe("An event to wait for before finishing (to watch the limit hold)"),
    }),
    concurrency: { limit: 1, key: (params: { customerId: string }) => params.customerId },
  },
  async function* ({ customerId, waitFor }) {
    const rows = yield* loadBatch(customerId.length * 10);
    if (waitFor !== undefined) yield* waitForEvent(waitFor);
    return { customerId, rows };
  },
);

/** Fetches `pages` pages, two per second at most, through the rate limit `crawler`. */
export const politeCrawl = flow(
  {
    name: "polite-crawl",
    description: "Crawls pages no faster than the rate limit 'crawler' allows (2 per second)",
    params: z.object({
      pages: z.number().int().min(1).max(100).default(5).describe("Pages to fetch"),
    }),
  },
  async function* ({ pages }) {
    let fetched = 0;
    for (let page = 1; page <= pages; page++) {
      yield* rateLimit("crawler", { limit: 2, slotDecayPerSecond: 2 });
      fetched += yield* loadBatch(page);
    }
    return fetched;
  },
);
