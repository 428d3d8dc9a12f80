/**
 * An in-process stand-in for the Worker's remote-run routes (protocol/remote_run.ts), as a
 * `fetch`: runs with their journal, logs and lease, the cache and result routes, and a way to
 * request cancellation or force a lease to expire. It counts requests by route, and can add a
 * delay to each answer to play a network's round trip.
 *
 * @module
 */

import type { RunLease } from "../../../protocol/remote_run.ts";
import type { CacheEntry, Encoded, JournalEntry, LogRecord } from "../../../runtime/host.ts";

interface FakeRun {
  entries: JournalEntry[];
  logs: LogRecord[];
  lease: RunLease;
  cancelRequested: boolean;
}

/**
 * A fake server: `fake.fetch` is passed as the remote host's `fetch`.
 *
 * @example
 * ```ts
 * const fake = new FakeServer({ delayMs: 1 });
 * await runOnServer(myFlow, {}, { url: fake.url, fetch: fake.fetch, console: false });
 * ```
 */
export class FakeServer {
  readonly url = "http://fake.weir";
  readonly runs = new Map<string, FakeRun>();
  readonly cache = new Map<string, CacheEntry>();
  readonly results = new Map<string, Encoded>();
  /** Requests by "METHOD route", e.g. "POST journal". */
  readonly counts = new Map<string, number>();

  /** Appends (by number, from 1) that are stored but answered with a 503, as a lost answer. */
  readonly lostAnswers = new Set<number>();
  #appends = 0;

  constructor(readonly options: { delayMs?: number } = {}) {}

  /** How many requests went to a route ("POST journal", "POST renew"…). */
  count(route: string): number {
    return this.counts.get(route) ?? 0;
  }

  /** Marks a run as asked to cancel: its next renewal or append says so. */
  requestCancel(runId: string): void {
    const run = this.runs.get(runId);
    if (run !== undefined) run.cancelRequested = true;
  }

  /** Makes a run's lease expire now. */
  expire(runId: string): void {
    const run = this.runs.get(runId);
    if (run !== undefined) run.lease = { ...run.lease, expiresAt: 0 };
  }

  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    const method = init?.method ?? "GET";
    const body = init?.body === undefined ? undefined : JSON.parse(String(init.body));
    if (this.options.delayMs !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, this.options.delayMs));
    }
    const parts = url.pathname.split("/").slice(2).map(decodeURIComponent);
    return this.#route(method, parts, body);
  };

  #count(route: string): void {
    this.counts.set(route, this.count(route) + 1);
  }

  #route(method: string, parts: string[], body: Record<string, unknown>): Response {
    const now = Date.now();
    const [head, id, sub, action] = parts;
    if (head === "remote-runs" && method === "POST") {
      this.#count("POST remote-runs");
      const runId = body.runId as string;
      const holder = body.holder as string;
      const ttl = (body.ttlMs as number | undefined) ?? 30_000;
      const existing = this.runs.get(runId);
      if (existing !== undefined) {
        if (existing.lease.holder === holder)
          return json({ lease: existing.lease, created: false });
        return error(409, "lease_held", "held");
      }
      const lease = { runId, holder, epoch: 1, expiresAt: now + ttl };
      this.runs.set(runId, {
        entries: [...(body.entries as JournalEntry[])],
        logs: [...((body.logs as LogRecord[] | undefined) ?? [])],
        lease,
        cancelRequested: false,
      });
      return json({ lease, created: true }, 201);
    }
    if ((head === "cache" || head === "results") && id !== undefined) {
      this.#count(`${method} ${head}`);
      if (head === "cache") {
        if (method === "PUT") this.cache.set(id, body as unknown as CacheEntry);
        if (method === "DELETE") this.cache.delete(id);
        return method === "GET" ? json({ entry: this.cache.get(id) ?? null }) : json({ ok: true });
      }
      if (method === "PUT") this.results.set(id, body.value as Encoded);
      return method === "GET" ? json({ value: this.results.get(id) ?? null }) : json({ ok: true });
    }
    if (head !== "runs" || id === undefined) return error(404, "not_found", "no route");
    const run = this.runs.get(id);
    if (run === undefined) return error(404, "not_found", `no run ${id}`);
    const live = run.lease.expiresAt > now;
    const fenced = () =>
      body.epoch !== run.lease.epoch || !live ? error(409, "lease_lost", "lease lost") : undefined;
    const state = () => ({
      lease: run.lease,
      cancelRequested: run.cancelRequested,
      length: run.entries.length,
    });
    if (sub === "journal") {
      this.#count(`${method} journal`);
      if (method === "GET") return json({ entries: run.entries });
      const refused = fenced();
      if (refused !== undefined) return refused;
      run.entries.push(...(body.entries as JournalEntry[]));
      run.logs.push(...((body.logs as LogRecord[] | undefined) ?? []));
      if (this.lostAnswers.has(++this.#appends)) return error(503, "unavailable", "answer lost");
      return json(state());
    }
    if (sub === "lease" && action === undefined) {
      this.#count("POST lease");
      if (live) return error(409, "lease_held", "held");
      const ttl = (body.ttlMs as number | undefined) ?? 30_000;
      run.lease = {
        runId: id,
        holder: body.holder as string,
        epoch: run.lease.epoch + 1,
        expiresAt: now + ttl,
      };
      return json(run.lease);
    }
    if (sub === "lease" && action === "renew") {
      this.#count("POST renew");
      const refused = fenced();
      if (refused !== undefined) return refused;
      const ttl = (body.ttlMs as number | undefined) ?? 30_000;
      run.lease = { ...run.lease, expiresAt: now + ttl };
      return json(state());
    }
    if (sub === "lease" && action === "release") {
      this.#count("POST release");
      const mine = body.epoch === run.lease.epoch;
      if (mine) run.lease = { ...run.lease, expiresAt: 0 };
      return json({ released: mine });
    }
    return error(404, "not_found", "no route");
  }
}

function json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json" },
  });
}

function error(status: number, code: string, message: string): Response {
  return json({ error: { code, message } }, status);
}
