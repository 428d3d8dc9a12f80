/**
 * A counting, timing `fetch` for the remote-run benchmark (`remote.ts`): every request a remote
 * run makes, with its route, its start and end (body read), and for a journal append how many
 * entries and log lines it carried.
 *
 * @module
 */

/** One request a remote run made. */
export interface Sent {
  /** `start`, `append`, `claim`, `renew`, `release`, `journal` (a read) or `other`. */
  readonly kind: string;
  /** performance.now() when it was sent and when its answer's body was read. */
  readonly startMs: number;
  readonly endMs: number;
  readonly entries: number;
  readonly logs: number;
  readonly bytes: number;
  readonly status: number;
}

function kindOf(method: string, url: string): string {
  const path = new URL(url).pathname;
  if (method === "POST" && path === "/api/remote-runs") return "start";
  if (path.endsWith("/journal")) return method === "POST" ? "append" : "journal";
  if (path.endsWith("/lease")) return "claim";
  if (path.includes("/lease/")) return path.endsWith("release") ? "release" : "renew";
  return "other";
}

/**
 * A fetch that records what goes through it into `log`.
 *
 * @example
 * ```ts
 * const log: Sent[] = [];
 * await runOnServer(flow, params, { url, fetch: timedFetch(log) });
 * ```
 */
export function timedFetch(log: Sent[]): typeof fetch {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const method = (
      init?.method ?? (input instanceof Request ? input.method : "GET")
    ).toUpperCase();
    const body = typeof init?.body === "string" ? init.body : "";
    let entries = 0;
    let logs = 0;
    const kind = kindOf(method, url);
    if (kind === "append" || kind === "start") {
      const parsed = JSON.parse(body) as { entries?: unknown[]; logs?: unknown[] };
      entries = parsed.entries?.length ?? 0;
      logs = parsed.logs?.length ?? 0;
    }
    const startMs = performance.now();
    const res = await fetch(input, init);
    const text = await res.text();
    log.push({
      kind,
      startMs,
      endMs: performance.now(),
      entries,
      logs,
      bytes: body.length,
      status: res.status,
    });
    return new Response(text, { status: res.status, headers: res.headers });
  };
}

/** The total length of the union of [start, end) intervals (time with a request in flight). */
export function busyMs(intervals: readonly (readonly [number, number])[]): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let from = Number.NEGATIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  for (const [s, e] of sorted) {
    if (s > to) {
      if (to > from) total += to - from;
      from = s;
      to = e;
    } else if (e > to) {
      to = e;
    }
  }
  if (to > from) total += to - from;
  return total;
}

/** Time within [from, to) that one of the intervals covers. */
export function busyWithin(
  intervals: readonly (readonly [number, number])[],
  from: number,
  to: number,
): number {
  return busyMs(
    intervals
      .map(([s, e]) => [Math.max(s, from), Math.min(e, to)] as const)
      .filter(([s, e]) => e > s),
  );
}
