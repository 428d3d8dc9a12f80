/**
 * The storage API of the Portuguese blog's pipeline: its FastAPI/CSV backend
 * (`GET /get`, `POST /post`) as a Hono app. Posts are appended to a CSV file (header written
 * once, fields escaped as RFC 4180 says, a post already stored by id is skipped, so a retried
 * or repeated run adds nothing twice) and listed back. It also serves the reddit listing that
 * the example ships (`GET /r/redditdev/new.json`), so the whole pipeline runs without
 * internet.
 *
 * Start it with `deno run -A examples/reddit/storage/deno.ts` or
 * `node --import tsx examples/reddit/storage/node.ts` (both take `--port` and `--csv`).
 *
 * Routes (errors are `{ "error": { "code", "message", "field"? } }`):
 * - `GET /posts[?subreddit=]`: `{ posts, count }`, in the order they were stored;
 * - `GET /posts.csv`: the CSV file itself;
 * - `POST /posts` with `{ posts: RedditPost[] }`: `{ added, skipped, total, addedIds }`;
 *   400 for a body that is not JSON, 413 over 1 MiB, 422 naming the first bad field
 *   (`posts.2.score`), 409 when the file's header is not this app's;
 * - `GET /r/{subreddit}/new.json[?limit=]`: a shipped listing, 404 for other subreddits;
 * - `GET /health`.
 *
 * @example
 * ```ts
 * const app = createStorageApp({ csv: fileCsv("posts.csv") });
 * const response = await app.request("/posts");
 * ```
 *
 * @module
 */

import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import { csvRecord, parseCsv } from "../csv.ts";
import redditdevNew from "../fixtures/redditdev_new.json" with { type: "json" };
import {
  cellsToPost,
  POST_COLUMNS,
  postCells,
  type RedditPost,
  RedditPostSchema,
  type StoredPost,
} from "../post.ts";

/**
 * The CSV text the app reads and appends to (a file: `fileCsv` in csv_file.ts). The app
 * itself never touches the file system, so it runs wherever a `fetch` handler runs.
 */
export interface CsvFile {
  /** For messages: the file's path, or "memory". */
  readonly description: string;
  /** The whole text, or `undefined` when there is no file yet. */
  read(): Promise<string | undefined>;
  /** Appends text at the end, creating the file (and its folder) when missing. */
  append(text: string): Promise<void>;
}

/**
 * A CSV kept in memory, gone when the process ends.
 *
 * @example
 * ```ts
 * const csv = memoryCsv();
 * await csv.append("id\r\n");
 * await csv.read(); // "id\r\n"
 * ```
 */
export function memoryCsv(): CsvFile {
  let text: string | undefined;
  return {
    description: "memory",
    read: async () => text,
    async append(more) {
      text = (text ?? "") + more;
    },
  };
}

/** The port the examples' deployments expect the storage app on (the seed's FastAPI port). */
export const STORAGE_PORT = 9001;

/** The largest body `POST /posts` takes. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** What `createStorageApp` takes. */
export interface StorageAppOptions {
  readonly csv: CsvFile;
  /** The time written in each row's `stored_at`; defaults to the system clock. */
  readonly now?: () => Date;
  /** Listings served at `/r/{subreddit}/new.json`; defaults to the shipped r/redditdev one. */
  readonly listings?: Readonly<Record<string, unknown>>;
}

const PostBody = z.object({ posts: z.array(RedditPostSchema).max(1000) });

/** An error the app answers with. */
class StorageError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/**
 * Builds the storage app over a CSV file.
 *
 * @example
 * ```ts
 * Deno.serve({ port: STORAGE_PORT }, createStorageApp({ csv: fileCsv("posts.csv") }).fetch);
 * ```
 */
export function createStorageApp(options: StorageAppOptions): Hono {
  const { csv } = options;
  const now = options.now ?? (() => new Date());
  const listings = options.listings ?? { redditdev: redditdevNew };
  // One append at a time: reading the stored ids and appending must not interleave, or two
  // concurrent POSTs of the same post would both store it.
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  const readStored = async (): Promise<{ text: string; posts: StoredPost[] }> => {
    const text = (await csv.read()) ?? "";
    if (text === "") return { text, posts: [] };
    let records: string[][];
    try {
      records = parseCsv(text);
    } catch (error) {
      throw new StorageError(500, "internal", `${csv.description}: ${(error as Error).message}`);
    }
    const [header, ...rows] = records;
    if (header?.join(",") !== POST_COLUMNS.join(",")) {
      throw new StorageError(
        409,
        "conflict",
        `${csv.description} starts with the header "${header?.join(",")}", not this app's ` +
          `"${POST_COLUMNS.join(",")}": move the file away or pass another --csv`,
      );
    }
    return { text, posts: rows.map(cellsToPost) };
  };

  const app = new Hono();

  app.onError((error, c) => {
    const e =
      error instanceof StorageError
        ? error
        : new StorageError(500, "internal", `Storage failed: ${error.message}`);
    const field = e.field === undefined ? {} : { field: e.field };
    return c.json({ error: { code: e.code, message: e.message, ...field } }, e.status);
  });
  app.notFound((c) =>
    c.json(
      {
        error: {
          code: "not_found",
          message: `No route ${c.req.method} ${new URL(c.req.url).pathname}; see GET /`,
        },
      },
      404,
    ),
  );

  app.get("/", (c) =>
    c.json({
      service: "weir example: reddit posts storage",
      csv: csv.description,
      routes: ["GET /posts", "GET /posts.csv", "POST /posts", "GET /r/{subreddit}/new.json"],
    }),
  );
  app.get("/health", (c) => c.json({ status: "ok", csv: csv.description }));

  app.get("/posts", async (c) => {
    const subreddit = c.req.query("subreddit");
    const { posts: stored } = await exclusive(readStored);
    const posts =
      subreddit === undefined ? stored : stored.filter((p) => p.subreddit === subreddit);
    return c.json({ posts, count: posts.length });
  });

  app.get("/posts.csv", async (c) => {
    const text = (await csv.read()) || csvRecord(POST_COLUMNS);
    return c.body(text, 200, { "content-type": "text/csv; charset=utf-8" });
  });

  app.post(
    "/posts",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new StorageError(
          413,
          "payload_too_large",
          `The body is over ${MAX_BODY_BYTES} bytes`,
        );
      },
    }),
    async (c) => {
      let body: unknown;
      try {
        body = JSON.parse(await c.req.text());
      } catch (error) {
        throw new StorageError(
          400,
          "bad_request",
          `The body is not JSON: ${(error as Error).message}`,
        );
      }
      const parsed = PostBody.safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue?.path.map(String).join(".") || "body";
        throw new StorageError(422, "invalid_value", `${field}: ${issue?.message}`, field);
      }
      const result = await exclusive(() => append(parsed.data.posts));
      return c.json(result);
    },
  );

  const append = async (posts: readonly RedditPost[]) => {
    const { text, posts: stored } = await readStored();
    const ids = new Set(stored.map((p) => p.id));
    const fresh: RedditPost[] = [];
    for (const post of posts) {
      if (ids.has(post.id)) continue;
      ids.add(post.id);
      fresh.push(post);
    }
    if (fresh.length > 0) {
      const storedAt = now().toISOString();
      // A file someone edited may lack its final line end; the next record must not join it.
      const head = text === "" ? csvRecord(POST_COLUMNS) : text.endsWith("\n") ? "" : "\r\n";
      await csv.append(head + fresh.map((p) => csvRecord(postCells(p, storedAt))).join(""));
    }
    return {
      added: fresh.length,
      skipped: posts.length - fresh.length,
      total: stored.length + fresh.length,
      addedIds: fresh.map((p) => p.id),
    };
  };

  app.get("/r/:subreddit/new.json", (c) => {
    const subreddit = c.req.param("subreddit");
    const listing = listings[subreddit] as
      | { kind: string; data: { children: unknown[] } }
      | undefined;
    if (listing === undefined) {
      throw new StorageError(
        404,
        "not_found",
        `No shipped listing for r/${subreddit}; this app serves ${Object.keys(listings)
          .map((s) => `r/${s}`)
          .join(", ")}`,
        "subreddit",
      );
    }
    const limitText = c.req.query("limit");
    const limit = limitText === undefined ? 25 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw new StorageError(
        422,
        "invalid_value",
        `limit must be a whole number from 1 to 100, got "${limitText}"`,
        "limit",
      );
    }
    const children = listing.data.children.slice(0, limit);
    return c.json({ ...listing, data: { ...listing.data, children, dist: children.length } });
  });

  return app;
}
