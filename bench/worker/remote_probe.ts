/**
 * The server's side of a remote run, alone (`remote.ts`): what one journal append of K entries
 * costs the server, in wall time and workerd CPU, with no execution in this process to overlap
 * it. The entries are the real ones of an N-step run of the bench flow (executed here first with
 * an in-memory journal), appended under a fresh remote run's lease in chunks of K, one request
 * at a time as the batcher sends them.
 *
 * @module
 */

import { RemoteApi } from "../../hosts/remote/mod.ts";
import { InMemoryJournal, type JournalEntry, randomUUID, runCreation } from "../../runtime/host.ts";
import { AppendSchema } from "../../worker/api/remote_schemas.ts";
import { median } from "../stats.ts";
import { remoteSeq } from "./remote_flow.ts";

/** One K's figures. */
export interface AppendProbe {
  readonly k: number;
  readonly appends: number;
  readonly entries: number;
  /** Median wall time of one append (request sent → answer read), ms. */
  readonly msPerAppend: number;
  /** The whole series' wall time ÷ entries, ms. */
  readonly msPerEntry: number;
  /** workerd CPU over the series ÷ appends, ms (10 ms ticks). */
  readonly cpuMsPerAppend: number;
}

/** The journal entries an N-step run of the bench flow appends after its creation, in order. */
export async function stepEntries(n: number): Promise<JournalEntry[]> {
  const runId = randomUUID();
  const creation = runCreation(remoteSeq, runId, { params: { n } }, Date.now());
  const journal = new InMemoryJournal();
  journal.append(runId, creation.entries);
  const handle = remoteSeq.resume(runId, { journal, console: false, mode: "wait" });
  await handle.execution;
  const all = await journal.read(runId);
  // Leave the run unfinished on the server: no final state (its index row is not the subject).
  return all
    .slice(creation.entries.length)
    .filter(
      (e) => e.type !== "run.finished" && !(e.type === "run.state" && e.state.type !== "RUNNING"),
    );
}

/**
 * Appends `entries` in chunks of `k` (k = 0: `count` empty appends) to a new remote run.
 *
 * @example
 * ```ts
 * const probe = await probeAppends(dev.direct, entries, 1000, 0, () => cpuTicks(dev));
 * ```
 */
export async function probeAppends(
  url: string,
  entries: readonly JournalEntry[],
  k: number,
  count: number,
  cpuTicks: () => Promise<number>,
): Promise<AppendProbe> {
  const api = new RemoteApi({ url, token: null });
  const runId = randomUUID();
  const creation = runCreation(remoteSeq, runId, { params: { n: 0 } }, Date.now());
  const { lease } = await api.startRun({
    runId,
    flowName: remoteSeq.flowName,
    holder: "bench-probe",
    ttlMs: 120_000,
    entries: creation.entries,
  });
  const chunks: (readonly JournalEntry[])[] = [];
  if (k === 0) for (let i = 0; i < count; i++) chunks.push([]);
  else for (let i = 0; i < entries.length; i += k) chunks.push(entries.slice(i, i + k));
  const times: number[] = [];
  const ticks = await cpuTicks();
  const started = performance.now();
  for (const chunk of chunks) {
    const t = performance.now();
    await api.append(runId, { epoch: lease.epoch, entries: chunk });
    times.push(performance.now() - t);
  }
  const wall = performance.now() - started;
  const cpuMs = ((await cpuTicks()) - ticks) * 10;
  await api.releaseLease(runId, { epoch: lease.epoch });
  const sent = chunks.reduce((a, c) => a + c.length, 0);
  return {
    k,
    appends: chunks.length,
    entries: sent,
    msPerAppend: median(times),
    msPerEntry: sent === 0 ? Number.NaN : wall / sent,
    cpuMsPerAppend: cpuMs / chunks.length,
  };
}

/** Node-side estimates of the per-request work on the server's path, ms per 1,000-entry append. */
export interface PathEstimates {
  /** `JSON.stringify` of the body (the client). */
  readonly stringifyMs: number;
  /** `JSON.parse` of the body (the Worker's route). */
  readonly parseMs: number;
  /** `AppendSchema` validation of the parsed body (the route's zod validator). */
  readonly validateMs: number;
  /** `structuredClone` of the entries (about what the RPC to the run's object serializes). */
  readonly cloneMs: number;
}

/**
 * Times, in this process (the same V8 as workerd's), the steps of an append's path that are
 * plain JavaScript: what is left of a request's server time is I/O, the RPC hop and SQLite.
 *
 * @example
 * ```ts
 * const estimates = estimatePath(entries.slice(0, 1000));
 * ```
 */
export function estimatePath(entries: readonly JournalEntry[], reps = 30): PathEstimates {
  const body = { epoch: 1, entries };
  const time = (f: () => unknown) => {
    const ms: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t = performance.now();
      f();
      ms.push(performance.now() - t);
    }
    return median(ms);
  };
  const text = JSON.stringify(body);
  const parsed = JSON.parse(text) as unknown;
  return {
    stringifyMs: time(() => JSON.stringify(body)),
    parseMs: time(() => JSON.parse(text)),
    validateMs: time(() => {
      const result = AppendSchema.safeParse(parsed);
      if (!result.success) throw new Error(result.error.message);
    }),
    cloneMs: time(() => structuredClone(entries)),
  };
}
