/**
 * What the crash test saw through the API while it ran: for each run, when each step was first
 * shown as completed (GET /api/runs/{id}) and every log line returned (GET
 * /api/runs/{id}/logs). A step shown as completed was stored; a line returned was promised. The
 * checks then hold the Worker to both after every kill.
 *
 * @module
 */

import type { LogLine, RunDetail } from "../worker/api/run_json.ts";

/** What the observer knows of one run. */
export interface RunSeen {
  readonly id: string;
  /** Step id → Date.now() when a response showing it completed arrived. */
  readonly completedSeenAt: Map<string, number>;
  /** Cursor → message of every log line the API returned. */
  readonly lines: Map<number, string>;
  cursor: number;
  /** Set once the API shows the run in a final state. */
  final: RunDetail | undefined;
}

const FINAL = new Set(["COMPLETED", "FAILED", "CANCELLED", "CRASHED"]);

/** Whether a run state type is final. */
export function isFinal(type: string | undefined): boolean {
  return type !== undefined && FINAL.has(type);
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/** Reads a run's detail. */
export function readRun(base: string, id: string): Promise<RunDetail> {
  return getJson<RunDetail>(`${base}/api/runs/${id}`);
}

/** Reads a run's log lines after `after`, every page. */
export async function readLogs(base: string, id: string, after = 0): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  for (let cursor = after; ; ) {
    const page = await getJson<{ logs: LogLine[]; nextCursor: number }>(
      `${base}/api/runs/${id}/logs?after=${cursor}&limit=1000`,
    );
    lines.push(...page.logs);
    if (page.logs.length < 1000) return lines;
    cursor = page.nextCursor;
  }
}

/**
 * Polls every unfinished run it was told of, a few at a time, while a server is up.
 *
 * @example
 * ```ts
 * const observer = new Observer(() => server?.url);
 * observer.watch(runId);
 * observer.start();
 * ```
 */
export class Observer {
  readonly runs = new Map<string, RunSeen>();
  /** Requests that failed (expected while a server is being killed). */
  failures = 0;
  #stopped = true;
  #loop: Promise<void> | undefined;

  constructor(
    /** The current server's URL, or undefined while none is up. */
    readonly base: () => string | undefined,
    /** Requests in flight at once: enough to keep up, few enough not to slow the runs. */
    readonly concurrency = 4,
  ) {}

  watch(id: string): RunSeen {
    let seen = this.runs.get(id);
    if (seen === undefined) {
      seen = { id, completedSeenAt: new Map(), lines: new Map(), cursor: 0, final: undefined };
      this.runs.set(id, seen);
    }
    return seen;
  }

  /** Runs the API showed as unfinished, or has not shown yet. */
  unfinished(): RunSeen[] {
    return [...this.runs.values()].filter((r) => r.final === undefined);
  }

  start(): void {
    this.#stopped = false;
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
    this.#loop = undefined;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      const queue = this.unfinished();
      const workers = Array.from({ length: this.concurrency }, async () => {
        for (let run = queue.shift(); run !== undefined; run = queue.shift()) {
          if (this.#stopped) return;
          await this.poll(run);
        }
      });
      await Promise.all(workers);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Reads one run once: its detail, then the log lines after the last one seen. */
  async poll(run: RunSeen): Promise<void> {
    const base = this.base();
    if (base === undefined) return;
    try {
      const detail = await readRun(base, run.id);
      const arrived = Date.now();
      for (const step of detail.steps) {
        if (step.state.type === "COMPLETED" && !run.completedSeenAt.has(step.id)) {
          run.completedSeenAt.set(step.id, arrived);
        }
      }
      // Logs after the detail, so every line of a step the detail shows completed is read.
      for (const line of await readLogs(base, run.id, run.cursor)) {
        run.lines.set(line.cursor, line.message);
        run.cursor = Math.max(run.cursor, line.cursor);
      }
      if (isFinal(detail.state?.type)) run.final = detail;
    } catch {
      this.failures++;
    }
  }
}
