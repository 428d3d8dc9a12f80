/**
 * A reddit post as the pipeline stores it, and how one is made from an entry of reddit's
 * listing JSON (`data.children[].data`). The flows and the storage app share this schema, so
 * the storage app refuses exactly what the flows would never send.
 *
 * @example
 * ```ts
 * const post = toPost(listing.data.children[0].data);
 * RedditPostSchema.parse(post);
 * ```
 *
 * @module
 */

import { z } from "zod";

/** Where reddit's permalinks (site-relative in the listing) point. */
export const REDDIT_ORIGIN = "https://www.reddit.com";

/**
 * One stored post. Field names are the storage API's; the CSV columns are their snake_case
 * forms ({@link POST_COLUMNS}).
 *
 * @example
 * ```ts
 * const result = RedditPostSchema.safeParse(body.posts[0]);
 * ```
 */
export const RedditPostSchema = z.object({
  // Reddit ids are base-36 ("1h2x3yz"); the `t3_` prefix is the kind, not the id.
  id: z
    .string()
    .regex(/^[0-9a-z]{1,16}$/, "a reddit post id is 1 to 16 lowercase letters and digits"),
  subreddit: z.string().min(1).max(50),
  title: z.string().min(1).max(300),
  author: z.string().min(1).max(50),
  score: z.number().int(),
  upvoteRatio: z.number().min(0).max(1),
  numComments: z.number().int().min(0),
  url: z.url(),
  permalink: z.url(),
  createdAt: z.iso.datetime(),
});

/** A stored post. */
export type RedditPost = z.infer<typeof RedditPostSchema>;

/**
 * The storage CSV's columns, in order: each post field, then when the storage app stored it.
 *
 * @example
 * ```ts
 * POST_COLUMNS.join(","); // "id,subreddit,title,...,stored_at"
 * ```
 */
export const POST_COLUMNS = [
  "id",
  "subreddit",
  "title",
  "author",
  "score",
  "upvote_ratio",
  "num_comments",
  "url",
  "permalink",
  "created_at",
  "stored_at",
] as const;

/**
 * The fields of a listing entry the pipeline reads. Reddit sends about a hundred; the fetch
 * task keeps only these, so the journal holds what the flow uses and not every post's body.
 *
 * @example
 * ```ts
 * const entries = ListingSchema.parse(json).data.children.map((child) => child.data);
 * ```
 */
export const ListingEntrySchema = z.object({
  id: z.string(),
  subreddit: z.string(),
  title: z.string(),
  author: z.string(),
  score: z.number(),
  upvote_ratio: z.number().default(0),
  num_comments: z.number().default(0),
  url: z.string(),
  permalink: z.string(),
  created_utc: z.number(),
  stickied: z.boolean().default(false),
});

/** A listing entry, as {@link ListingEntrySchema} keeps it. */
export type ListingEntry = z.infer<typeof ListingEntrySchema>;

/**
 * Reddit's listing JSON (`/r/<subreddit>/new.json`): a `Listing` whose children are `t3`
 * (link) things. Other kinds (a `t1` comment in a mixed listing) are kept out by the transform.
 *
 * @example
 * ```ts
 * const parsed = ListingSchema.safeParse(await response.json());
 * ```
 */
export const ListingSchema = z.object({
  kind: z.literal("Listing"),
  data: z.object({
    children: z.array(z.object({ kind: z.string(), data: z.unknown() })),
    after: z.string().nullable().optional(),
  }),
});

/**
 * Turns a listing entry into a stored post: an absolute permalink, the creation time as ISO
 * 8601, a link post's URL kept as is (a self post's `url` is its own permalink).
 *
 * @example
 * ```ts
 * toPost(entry).permalink; // "https://www.reddit.com/r/redditdev/comments/1abc23/..."
 * ```
 */
export function toPost(entry: ListingEntry): RedditPost {
  const permalink = new URL(entry.permalink, REDDIT_ORIGIN).href;
  return {
    id: entry.id,
    subreddit: entry.subreddit,
    title: entry.title,
    author: entry.author,
    score: Math.trunc(entry.score),
    upvoteRatio: entry.upvote_ratio,
    numComments: Math.trunc(entry.num_comments),
    url: new URL(entry.url, REDDIT_ORIGIN).href,
    permalink,
    createdAt: new Date(entry.created_utc * 1000).toISOString(),
  };
}

/**
 * A post as a CSV row's cells, in {@link POST_COLUMNS} order.
 *
 * @example
 * ```ts
 * postCells(post, "2026-01-01T00:00:00.000Z")[0]; // post.id
 * ```
 */
export function postCells(post: RedditPost, storedAt: string): string[] {
  return [
    post.id,
    post.subreddit,
    post.title,
    post.author,
    String(post.score),
    String(post.upvoteRatio),
    String(post.numComments),
    post.url,
    post.permalink,
    post.createdAt,
    storedAt,
  ];
}

/** A stored post with the time the storage app stored it. */
export type StoredPost = RedditPost & { readonly storedAt: string };

/**
 * A CSV row (cells in {@link POST_COLUMNS} order) back into a stored post.
 *
 * @example
 * ```ts
 * cellsToPost(postCells(post, now)).title === post.title; // true
 * ```
 */
export function cellsToPost(cells: readonly string[]): StoredPost {
  const [id, subreddit, title, author, score, ratio, comments, url, permalink, created, stored] =
    cells;
  return {
    id: id ?? "",
    subreddit: subreddit ?? "",
    title: title ?? "",
    author: author ?? "",
    score: Number(score),
    upvoteRatio: Number(ratio),
    numComments: Number(comments),
    url: url ?? "",
    permalink: permalink ?? "",
    createdAt: created ?? "",
    storedAt: stored ?? "",
  };
}
