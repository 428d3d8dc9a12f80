import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { FlowRunError, InMemoryJournal, inspectRun } from "../../runtime/host.ts";
import { FakeClock } from "../../runtime/testing/fake_clock.ts";
import { csvField, csvRecord, parseCsv } from "./csv.ts";
import listing from "./fixtures/redditdev_new.json" with { type: "json" };
import { redditPipeline } from "./pipeline.ts";
import { POST_COLUMNS, type RedditPost } from "./post.ts";
import { type CsvFile, createStorageApp, memoryCsv } from "./storage/app.ts";
import { fileCsv } from "./storage/csv_file.ts";
import { type FetchServer, serveFetch } from "./storage/node_serve.ts";

const fixtureIds = listing.data.children.map((child) => child.data.id);

/**
 * A temporary CSV file. `deno test` runs without --allow-write in package.json's test:deno,
 * so under Deno without it the CSV is kept in memory: the same app code, minus the last write.
 */
function tempCsv(): { csv: CsvFile; text: () => string; cleanup: () => void } {
  const deno = (
    globalThis as {
      Deno?: { permissions: { querySync(d: { name: string }): { state: string } } };
    }
  ).Deno;
  if (deno !== undefined && deno.permissions.querySync({ name: "write" }).state !== "granted") {
    const csv = memoryCsv();
    let last = "";
    return {
      csv: {
        ...csv,
        async append(text) {
          await csv.append(text);
          last = (await csv.read()) ?? "";
        },
      },
      text: () => last,
      cleanup: () => undefined,
    };
  }
  const dir = mkdtempSync(join(tmpdir(), "weir-reddit-"));
  const path = join(dir, "data", "posts.csv");
  return {
    csv: fileCsv(path),
    text: () => readFileSync(path, "utf8"),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const post = (id: string, title = `Post ${id}`): RedditPost => ({
  id,
  subreddit: "redditdev",
  title,
  author: "fixture_dev",
  score: 1,
  upvoteRatio: 1,
  numComments: 0,
  url: `https://www.reddit.com/r/redditdev/comments/${id}/x/`,
  permalink: `https://www.reddit.com/r/redditdev/comments/${id}/x/`,
  createdAt: "2026-11-28T12:00:00.000Z",
});

describe("CSV", () => {
  test("quotes only the fields that need it, and reads them back", () => {
    assert.equal(csvField("plain"), "plain");
    assert.equal(csvField('say "hi", ok'), '"say ""hi"", ok"');
    assert.equal(csvField(" padded"), '" padded"');
    const cells = ["a,b", 'q"q', "line\nbreak", "crlf\r\nbreak", "", "é ¿ 日本"];
    const text = csvRecord(["h1", "h2", "h3", "h4", "h5", "h6"]) + csvRecord(cells);
    assert.deepEqual(parseCsv(text), [["h1", "h2", "h3", "h4", "h5", "h6"], cells]);
    assert.deepEqual(parseCsv("a,b\nc,d"), [
      ["a", "b"],
      ["c", "d"],
    ]);
  });

  test("an unclosed quote is an error naming its line", () => {
    assert.throws(() => parseCsv('a\r\nb,"never closed\r\n'), /opened on line 2 is never closed/);
  });
});

describe("storage app: bad input is a 4xx JSON error", () => {
  const app = createStorageApp({ csv: memoryCsv() });
  const postJson = (body: string) =>
    app.request("/posts", {
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
    });

  test("a body that is not JSON is a 400", async () => {
    const response = await postJson("{nope");
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, "bad_request");
    assert.match(body.error.message, /not JSON/);
  });

  test("a bad post is a 422 naming the field", async () => {
    const bad = { ...post("abc1"), score: "high" };
    const response = await postJson(JSON.stringify({ posts: [post("abc0"), bad] }));
    assert.equal(response.status, 422);
    const body = (await response.json()) as { error: { code: string; field: string } };
    assert.deepEqual([body.error.code, body.error.field], ["invalid_value", "posts.1.score"]);

    const missing = await postJson(JSON.stringify({ items: [] }));
    assert.equal(missing.status, 422);
    assert.equal(((await missing.json()) as { error: { field: string } }).error.field, "posts");

    const badId = await postJson(JSON.stringify({ posts: [post("Not An Id")] }));
    assert.equal(((await badId.json()) as { error: { field: string } }).error.field, "posts.0.id");
  });

  test("a body over 1 MiB is a 413", async () => {
    const response = await postJson(`{"posts":[],"pad":"${"x".repeat(1024 * 1024)}"}`);
    assert.equal(response.status, 413);
    assert.equal(
      ((await response.json()) as { error: { code: string } }).error.code,
      "payload_too_large",
    );
  });

  test("listings: an unknown subreddit is a 404, a bad limit a 422, naming the field", async () => {
    const unknown = await app.request("/r/python/new.json");
    assert.equal(unknown.status, 404);
    const body = (await unknown.json()) as { error: { field: string; message: string } };
    assert.equal(body.error.field, "subreddit");
    assert.match(body.error.message, /r\/redditdev/);
    const limit = await app.request("/r/redditdev/new.json?limit=500");
    assert.equal(limit.status, 422);
    assert.equal(((await limit.json()) as { error: { field: string } }).error.field, "limit");
    const three = await app.request("/r/redditdev/new.json?limit=3");
    const sliced = (await three.json()) as { data: { children: unknown[]; dist: number } };
    assert.deepEqual([sliced.data.children.length, sliced.data.dist], [3, 3]);
  });

  test("an unknown route is a 404 JSON error", async () => {
    const response = await app.request("/get");
    assert.equal(response.status, 404);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, "not_found");
  });

  test("a CSV with another header is a 409 naming the file, and is left alone", async () => {
    const csv = memoryCsv();
    await csv.append("title,url\r\nhello,https://example.com\r\n");
    const foreign = createStorageApp({ csv });
    const response = await foreign.request("/posts", {
      method: "POST",
      body: JSON.stringify({ posts: [post("abc0")] }),
    });
    assert.equal(response.status, 409);
    assert.match(
      ((await response.json()) as { error: { message: string } }).error.message,
      /memory starts with the header "title,url"/,
    );
    assert.equal(await csv.read(), "title,url\r\nhello,https://example.com\r\n");
  });
});

describe("storage app: the CSV", () => {
  test("header once, duplicates skipped (also within a body and across concurrent posts)", async () => {
    const csv = memoryCsv();
    const app = createStorageApp({ csv, now: () => new Date("2026-11-29T10:00:00Z") });
    const send = async (posts: RedditPost[]) =>
      (await (
        await app.request("/posts", { method: "POST", body: JSON.stringify({ posts }) })
      ).json()) as { added: number; skipped: number; total: number };
    assert.deepEqual(await send([post("a1"), post("a2"), post("a1")]), {
      added: 2,
      skipped: 1,
      total: 2,
      addedIds: ["a1", "a2"],
    });
    const [x, y] = await Promise.all([send([post("a3")]), send([post("a3"), post("a2")])]);
    assert.equal((x?.added ?? 0) + (y?.added ?? 0), 1, "a3 was stored once");
    const rows = parseCsv((await csv.read()) ?? "");
    assert.deepEqual(rows[0], [...POST_COLUMNS]);
    assert.deepEqual(
      rows.slice(1).map((r) => r[0]),
      ["a1", "a2", "a3"],
    );
    assert.equal(rows[1]?.at(-1), "2026-11-29T10:00:00.000Z", "stored_at");
    const listed = (await (await app.request("/posts")).json()) as {
      posts: (RedditPost & { storedAt: string })[];
      count: number;
    };
    assert.equal(listed.count, 3);
    assert.deepEqual(
      { ...listed.posts[0], storedAt: undefined },
      { ...post("a1"), storedAt: undefined },
    );
  });

  test("a file edited to lack its last line end still gets whole records", async () => {
    const { csv, text, cleanup } = tempCsv();
    try {
      const app = createStorageApp({ csv });
      const body = (id: string) => ({
        method: "POST",
        body: JSON.stringify({ posts: [post(id)] }),
      });
      await app.request("/posts", body("b1"));
      await csv.append(
        "b2,redditdev,hand-typed,me,1,1,0,https://a.example/,https://b.example/,x,y",
      );
      const response = await app.request("/posts", body("b3"));
      assert.equal(response.status, 200);
      assert.deepEqual(
        parseCsv(text()).map((r) => r[0]),
        ["id", "b1", "b2", "b3"],
      );
    } finally {
      cleanup();
    }
  });
});

describe("reddit pipeline end to end, offline", () => {
  let server: FetchServer;
  let file: ReturnType<typeof tempCsv>;
  before(async () => {
    file = tempCsv();
    server = await serveFetch(createStorageApp({ csv: file.csv }).fetch, { port: 0 });
  });
  after(async () => {
    await server.close();
    file.cleanup();
  });

  test("scrapes the shipped listing and stores every post in the CSV, once", async () => {
    const journal = new InMemoryJournal();
    const params = { listingUrl: `${server.url}/r/redditdev/new.json`, storageUrl: server.url };
    const handle = redditPipeline.start(params, { journal, console: false });
    assert.deepEqual(await handle.result(), { scraped: 8, added: 8, skipped: 0, total: 8 });

    const view = await inspectRun(journal, handle.runId);
    assert.deepEqual(
      view.steps.filter((s) => s.kind === "subflow").map((s) => s.name),
      ["reddit-scrape", "reddit-store"],
    );

    const text = file.text();
    const rows = parseCsv(text);
    assert.deepEqual(rows[0], [...POST_COLUMNS], "the header, once");
    assert.deepEqual(
      rows.slice(1).map((r) => r[0]),
      fixtureIds,
      "every post, newest first",
    );
    const byId = new Map(rows.slice(1).map((r) => [r[0], r]));
    const quoted = byId.get("1p8jmd4");
    assert.equal(quoted?.[2], 'Titles with commas, "quotes" and semicolons; break my CSV export');
    assert.ok(
      text.includes('"Titles with commas, ""quotes"" and semicolons; break my CSV export"'),
      "quotes doubled inside a quoted field",
    );
    assert.deepEqual(byId.get("1p8jt0m")?.slice(3, 9), [
      "fixture_dev_diego",
      "21",
      "0.97",
      "12",
      "https://example.com/blog/reddit-scheduler",
      "https://www.reddit.com/r/redditdev/comments/1p8jt0m/wrote_a_tiny_scheduler_that_scrapes_a_su/",
    ]);
    assert.equal(byId.get("1p8jq9e")?.[3], "[deleted]");
    assert.equal(byId.get("1p8k2qa")?.[9], "2026-11-28T22:00:00.000Z", "created_utc as ISO");

    // The next scheduled run finds the same posts: nothing is stored twice.
    const again = await redditPipeline.run(params, { console: false });
    assert.deepEqual(again, { scraped: 8, added: 0, skipped: 8, total: 8 });
    assert.equal(parseCsv(file.text()).length, 9);

    const listed = (await (await fetch(`${server.url}/posts`)).json()) as { count: number };
    assert.equal(listed.count, 8);
  });

  test("limit asks the listing for fewer posts", async () => {
    const result = await redditPipeline.run(
      { listingUrl: `${server.url}/r/redditdev/new.json`, storageUrl: server.url, limit: 2 },
      { console: false },
    );
    assert.equal(result.scraped, 2);
  });

  test("a URL that is not a listing fails at once, naming it", async () => {
    const error = await redditPipeline
      .run({ listingUrl: `${server.url}/posts`, storageUrl: server.url }, { console: false })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(error instanceof FlowRunError);
    assert.match(messages(error), /\/posts\?limit=25&raw_json=1 is not a reddit listing: kind/);
  });

  test("a storage API that is not running fails naming its URL and how to start it", async () => {
    // A port that was just free: nothing listens on it.
    const probe = await serveFetch(() => new Response(), { port: 0 });
    await probe.close();
    const storageUrl = probe.url;
    const clock = new FakeClock({ autoAdvance: true });
    const journal = new InMemoryJournal();
    const listingUrl = `${server.url}/r/redditdev/new.json`;
    const handle = redditPipeline.start(
      { listingUrl, storageUrl },
      { console: false, clock, journal },
    );
    const error = await handle.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof FlowRunError);
    const text = messages(error);
    assert.ok(text.includes(`The storage API at ${storageUrl} is not answering`), text);
    assert.match(text, /node --import tsx examples\/reddit\/storage\/node\.ts/);
    const view = await inspectRun(journal, handle.runId);
    const store = view.steps.find((s) => s.name === "reddit-store");
    const child = await inspectRun(journal, store?.childRunId ?? "");
    assert.deepEqual(
      child.taskRuns.map((t) => [t.name, t.attempts, t.state.name]),
      [["post-posts", 3, "Failed"]],
      "retried twice before giving up",
    );
  });

  test("bad parameters are refused before anything runs, naming the field", async () => {
    const error = await redditPipeline
      .run({ listingUrl: "not a url", storageUrl: server.url }, { console: false })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(error instanceof FlowRunError);
    assert.equal(error.field, "listingUrl");
    const limit = await redditPipeline.run({ limit: 500 }, { console: false }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.equal((limit as FlowRunError).field, "limit");
  });
});

/** An error's message and its causes' messages, one per line. */
function messages(error: unknown): string {
  const out: string[] = [];
  let e: unknown = error;
  for (let i = 0; e instanceof Error && i < 10; i++, e = e.cause) out.push(e.message);
  return out.join("\n");
}

test("the fixture is a listing whose every post the pipeline keeps", () => {
  assert.equal(listing.kind, "Listing");
  assert.equal(new Set(fixtureIds).size, 8);
});
