/**
 * The Portuguese blog's pipeline (mnsgrosa/prefect_mldump): a flow of flows that scrapes the
 * newest posts of a subreddit and stores them through a storage API, deployed on
 * `0 *\/2 * * *` ("every 2 hours, at minute 0").
 *
 * - `reddit-scrape` (the seed's `scrape_flow`): fetches the listing JSON
 *   (`https://www.reddit.com/r/<subreddit>/new.json`) and turns each entry into a post: title,
 *   author, score, URL, permalink, creation time.
 * - `reddit-store` (the seed's `post_flow`): POSTs the posts to the storage API, which skips
 *   the ones it already has.
 * - `reddit-pipeline`: scrape, then store.
 *
 * The storage API is examples/reddit/storage/app.ts; it also serves the listing this example
 * ships, so the pipeline runs end to end with no internet:
 *
 * ```sh
 * node --import tsx examples/reddit/storage/node.ts        # or: deno run -A examples/reddit/storage/deno.ts
 * npx deno run -A examples/reddit/pipeline.ts --param listingUrl=http://127.0.0.1:9001/r/redditdev/new.json
 * ```
 *
 * Without `--param listingUrl` the script scrapes reddit itself.
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
} from "../../runtime/mod.ts";
import { isMain, runAsScript } from "../_script.ts";
import {
  type ListingEntry,
  ListingEntrySchema,
  ListingSchema,
  type RedditPost,
  RedditPostSchema,
  toPost,
} from "./post.ts";

/** The seed's subreddit, on reddit itself. */
export const REDDIT_LISTING_URL = "https://www.reddit.com/r/redditdev/new.json";
/** The storage app as its entry files start it by default. */
export const LOCAL_STORAGE_URL = "http://127.0.0.1:9001";
/** The listing the example ships, as the local storage app serves it. */
export const LOCAL_LISTING_URL = `${LOCAL_STORAGE_URL}/r/redditdev/new.json`;

const START_STORAGE =
  "start it with `node --import tsx examples/reddit/storage/node.ts` or " +
  "`deno run -A examples/reddit/storage/deno.ts`, or pass another storageUrl";

// Reddit's API rules ask for a User-Agent that names the client; generic ones are throttled.
const USER_AGENT = "weir-examples:reddit-pipeline:v1 (a Weir example flow)";

const limitSchema = z
  .number()
  .int()
  .min(1)
  .max(100)
  .default(25)
  .describe("How many of the newest posts to fetch (reddit's limit, 1 to 100)");
const listingUrlSchema = z
  .url()
  .default(REDDIT_LISTING_URL)
  .describe(`A subreddit's listing JSON, such as ${REDDIT_LISTING_URL}`);
const storageUrlSchema = z
  .url()
  .default(LOCAL_STORAGE_URL)
  .describe("Base URL of the storage API (examples/reddit/storage/app.ts)");

/**
 * GETs the listing (with `limit` and `raw_json=1`, so titles are not HTML-escaped) and keeps
 * the fields of each link post that the pipeline uses. A 429 waits for `Retry-After`; 5xx and
 * network errors retry; anything that is not a listing fails at once, naming the URL.
 */
export const fetchListing = task(
  { name: "fetch-listing", retries: 3, retryDelay: [5, 30, 60], timeout: "30s", tags: ["http"] },
  async function (this: TaskContext, listingUrl: string, limit: number): Promise<ListingEntry[]> {
    const url = new URL(listingUrl);
    url.searchParams.set("limit", String(limit));
    url.searchParams.set("raw_json", "1");
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { accept: "application/json", "user-agent": USER_AGENT },
        signal: this.signal,
      });
    } catch (error) {
      throw new Error(`GET ${url} failed: ${(error as Error).message}`, { cause: error });
    }
    this.logger.info(`GET ${url} answered ${response.status}`);
    if (response.status === 429) {
      const seconds = Number(response.headers.get("retry-after") ?? "60");
      throw new RetryAfterError(
        `Rate limited by ${url.host}`,
        Number.isFinite(seconds) ? seconds : 60,
      );
    }
    if (response.status >= 500) throw new Error(`GET ${url} answered ${response.status}`);
    if (!response.ok) {
      throw new NonRetryableError(
        `GET ${url} answered ${response.status}: check the subreddit exists and is public`,
      );
    }
    let json: unknown;
    try {
      json = await response.json();
    } catch {
      throw new NonRetryableError(`GET ${url} did not answer JSON: is it a listing .json URL?`);
    }
    const listing = ListingSchema.safeParse(json);
    if (!listing.success) {
      const issue = listing.error.issues[0];
      throw new NonRetryableError(
        `GET ${url} is not a reddit listing: ${issue?.path.join(".") || "the body"}: ${issue?.message}`,
      );
    }
    const entries: ListingEntry[] = [];
    for (const [i, child] of listing.data.data.children.entries()) {
      if (child.kind !== "t3") continue;
      const entry = ListingEntrySchema.safeParse(child.data);
      if (!entry.success) {
        const issue = entry.error.issues[0];
        throw new NonRetryableError(
          `GET ${url}: data.children.${i}.data.${issue?.path.join(".")}: ${issue?.message}`,
        );
      }
      entries.push(entry.data);
    }
    return entries;
  },
);

/**
 * The seed's transform (`fetch_titles`, `fetch_authors`, `fetch_urls`, `fetch_votes`,
 * `summarize`) in one step: listing entries to posts, newest first. Pinned posts are left out
 * (they are not new), and so is a post the storage API would refuse, with a warning naming it
 * and the field, so one odd post does not lose the others.
 */
export const toPosts = task(
  { name: "to-posts" },
  function (this: TaskContext, entries: ListingEntry[]): RedditPost[] {
    const posts: RedditPost[] = [];
    for (const entry of entries) {
      if (entry.stickied) continue;
      const post = RedditPostSchema.safeParse(toPost(entry));
      if (post.success) posts.push(post.data);
      else {
        const issue = post.error.issues[0];
        this.logger.warning(
          `left out post ${entry.id}: ${issue?.path.join(".")}: ${issue?.message}`,
        );
      }
    }
    return posts.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  },
);

/**
 * POSTs the posts to the storage API. Its 4xx answers (a post it refuses) fail at once with
 * the API's message; a storage API that is down is retried, then fails naming its URL and
 * how to start it.
 */
export const postPosts = task(
  { name: "post-posts", retries: 2, retryDelay: [5, 30], timeout: "30s", tags: ["http"] },
  async function (
    this: TaskContext,
    storageUrl: string,
    posts: RedditPost[],
  ): Promise<{ added: number; skipped: number; total: number }> {
    const url = new URL("posts", storageUrl.endsWith("/") ? storageUrl : `${storageUrl}/`);
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ posts }),
        signal: this.signal,
      });
    } catch (error) {
      throw new Error(
        `The storage API at ${storageUrl} is not answering (POST ${url}: ${(error as Error).message}); ${START_STORAGE}`,
        { cause: error },
      );
    }
    const text = await response.text();
    let body: { added?: number; skipped?: number; total?: number; error?: { message?: string } };
    try {
      body = JSON.parse(text);
    } catch {
      throw new NonRetryableError(
        `POST ${url} answered ${response.status} with no JSON: is ${storageUrl} the storage API? ${START_STORAGE}`,
      );
    }
    if (response.status >= 500) {
      throw new Error(`POST ${url} answered ${response.status}: ${body.error?.message ?? text}`);
    }
    if (!response.ok) {
      throw new NonRetryableError(
        `POST ${url} answered ${response.status}: ${body.error?.message ?? text}`,
      );
    }
    const result = { added: body.added ?? 0, skipped: body.skipped ?? 0, total: body.total ?? 0 };
    this.logger.info(
      `stored ${result.added} new posts, skipped ${result.skipped} already stored; ${result.total} in all`,
    );
    return result;
  },
);

/** The seed's `scrape_flow`: the newest posts of a subreddit. */
export const redditScrape = flow(
  {
    name: "reddit-scrape",
    description: "Reddit: fetches a subreddit's newest posts from its listing JSON",
    params: z.object({ listingUrl: listingUrlSchema, limit: limitSchema }),
  },
  async function* ({ listingUrl, limit }) {
    const entries = yield* fetchListing(listingUrl, limit);
    return yield* toPosts(entries);
  },
);

/** The seed's `post_flow`: stores posts through the storage API. */
export const redditStore = flow(
  {
    name: "reddit-store",
    description: "Reddit: stores posts through the storage API, skipping those already stored",
    params: z.object({
      storageUrl: storageUrlSchema,
      posts: z.array(RedditPostSchema).max(100).describe("The posts reddit-scrape returned"),
    }),
  },
  async function* ({ storageUrl, posts }) {
    return yield* postPosts(storageUrl, posts);
  },
);

/** The seed's flow of flows: scrape, then store. */
export const redditPipeline = flow(
  {
    name: "reddit-pipeline",
    description:
      "Reddit: scrapes a subreddit's newest posts and stores them (the Portuguese blog's pipeline)",
    params: z.object({
      listingUrl: listingUrlSchema,
      limit: limitSchema,
      storageUrl: storageUrlSchema,
    }),
  },
  async function* ({ listingUrl, limit, storageUrl }, ctx) {
    const posts = yield* redditScrape({ listingUrl, limit });
    ctx.logger.info(`scraped ${posts.length} posts from ${listingUrl}`);
    const stored = yield* redditStore({ storageUrl, posts });
    return { scraped: posts.length, ...stored };
  },
);

/**
 * The seed's deployment: reddit's r/redditdev every 2 hours at minute 0 (UTC), stored by the
 * storage app on its default port. After downtime only the latest missed run is made: the
 * listing is "the newest posts", so older missed runs would fetch the same thing.
 */
export const redditEvery2h = deployment(redditPipeline, {
  name: "every-2h",
  description: "r/redditdev's newest posts every 2 hours, into the local storage app's CSV",
  tags: ["reddit", "seed"],
  parameters: { listingUrl: REDDIT_LISTING_URL, limit: 25, storageUrl: LOCAL_STORAGE_URL },
  schedules: [{ cron: "0 */2 * * *" }],
  catchUp: "latest",
});

/** The same pipeline on the shipped listing, for a run with no internet (no schedule). */
export const redditOffline = deployment(redditPipeline, {
  name: "offline",
  description: "The shipped r/redditdev listing, served by the local storage app",
  tags: ["reddit", "seed", "offline"],
  parameters: { listingUrl: LOCAL_LISTING_URL, limit: 25, storageUrl: LOCAL_STORAGE_URL },
});

if (isMain(import.meta)) await runAsScript(redditPipeline);
