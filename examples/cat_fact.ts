/**
 * The cat-fact flow from the Spanish seed (`api_flow`): call an API, parse the fact. Prefect's
 * version prints the status code and the fact; here the task logs them, retries flaky
 * responses with growing delays, honours `Retry-After`, and gives up at once on a 404.
 *
 * Run it: `npx deno run --allow-net examples/cat_fact.ts --param url=https://catfact.ninja/fact`
 *
 * Deployed as the seed's `prefect deployment build ./workflow.py:api_flow -n <name>` and
 * `prefect deployment apply` do (worker/default_app.ts registers it; a `wrangler deploy`
 * applies it): `cat-fact/catfact-ninja`, with the URL as its default parameter. Run it as the
 * seed's `prefect deployment run 'api_flow/<name>'` does:
 * `weir deployment run cat-fact/catfact-ninja` (add `--param url=<another fact API>`).
 *
 * @module
 */

import { z } from "zod";
import {
  deployment,
  flow,
  NonRetryableError,
  RetryAfterError,
  type TaskContext,
  task,
} from "../runtime/mod.ts";
import { isMain, runAsScript } from "./_script.ts";

/** What the cat-fact API answers. */
export interface CatFactResponse {
  readonly fact: string;
  readonly length: number;
}

/** GET the URL as JSON; 5xx and network errors retry after 1s, 5s, then 10s. */
export const callApi = task(
  { name: "call-api", retries: 3, retryDelay: [1, 5, 10], timeout: "30s", tags: ["http"] },
  async function (this: TaskContext, url: string): Promise<CatFactResponse> {
    const response = await fetch(url, { signal: this.signal });
    this.logger.info(`GET ${url} answered ${response.status}`);
    if (response.status === 404) throw new NonRetryableError(`No fact at ${url} (404)`);
    if (response.status === 429) {
      const seconds = Number(response.headers.get("retry-after") ?? "30");
      throw new RetryAfterError(`Rate limited by ${url}`, Number.isFinite(seconds) ? seconds : 30);
    }
    if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
    return (await response.json()) as CatFactResponse;
  },
);

/** Takes the fact out of the response, printing it as the seed does (printed lines become logs). */
export const parseFact = task(
  { name: "parse-fact", logPrints: true },
  (response: CatFactResponse): string => {
    if (typeof response.fact !== "string") throw new NonRetryableError("The response has no fact");
    console.log(response.fact);
    return response.fact;
  },
);

/** The flow: fetch, then parse. */
export const catFact = flow(
  {
    name: "cat-fact",
    description: "Fetches a random cat fact",
    params: z.object({
      url: z.url().default("https://catfact.ninja/fact").describe("The cat-fact API to call"),
    }),
  },
  async function* ({ url }) {
    const json = yield* callApi(url);
    return yield* parseFact(json);
  },
);

/** The seed's deployment of `api_flow`: on demand (no schedule), with the API's URL. */
export const catFactDeployment = deployment(catFact, {
  name: "catfact-ninja",
  description: "A random cat fact from catfact.ninja (the Spanish tutorial's api_flow)",
  version: "1",
  tags: ["seed", "http"],
  parameters: { url: "https://catfact.ninja/fact" },
});

if (isMain(import.meta)) await runAsScript(catFact);
