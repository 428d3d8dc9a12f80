/**
 * A run executed outside the Worker (protocol/remote_run.ts), as its Durable Object keeps it:
 * the object stores its journal and log lines, and never executes it; the process that does
 * holds a lease (holder, epoch, expiry) kept in the object's meta. Every write carries the
 * lease's epoch: a stale epoch, or one whose lease has expired, is refused, so a process
 * thought dead cannot write to a run another now owns.
 *
 * Appends go through the object's own journal and log sink, so its outbox updates the run's
 * index row and its live feed broadcasts, as for a run executed in the Worker. The object's
 * alarm serves only the outbox of a remote run.
 *
 * @module
 */

import {
  DEFAULT_REMOTE_LEASE_MS,
  type LeaseState,
  type RemoteRunStarted,
  type RunLease,
} from "../protocol/remote_run.ts";
import { foldJournal, type JournalEntry, type LogRecord } from "../runtime/host.ts";
import type { RunMeta } from "./storage/run_meta.ts";
import type { SqlJournal } from "./storage/sql_journal.ts";
import type { SqlLogSink } from "./storage/sql_logs.ts";

/** What starting a remote run needs (the body of POST /api/remote-runs, already validated). */
export interface StartRemoteRequest {
  readonly runId: string;
  readonly flowName: string;
  readonly holder: string;
  readonly ttlMs?: number;
  readonly entries: readonly JournalEntry[];
  readonly logs?: readonly LogRecord[];
}

/** Why a remote-run call was refused; the API answers 404, 409 or 422 for these. */
export type RemoteRefusal = {
  readonly ok: false;
  /**
   * `not_found`: no run; `conflict`: the run is not remote, or differs; `lease_held`: another
   * holder has a live lease; `lease_lost`: the epoch is stale or its lease expired;
   * `invalid`: the entries or lines do not fit the run (`field` names the culprit).
   */
  readonly code: "not_found" | "conflict" | "lease_held" | "lease_lost" | "invalid";
  readonly message: string;
  readonly field?: string;
};

/** What a remote-run call answers. */
export type RemoteAnswer<T> = { readonly ok: true; readonly value: T } | RemoteRefusal;

/** The lease as stored in meta (`lease`). */
interface StoredLease {
  readonly holder: string;
  readonly epoch: number;
  readonly expiresAt: number;
  readonly ttlMs: number;
  readonly released?: boolean;
}

/** What the remote side of a run object works with. */
export interface RemoteRunPorts {
  readonly storage: DurableObjectStorage;
  readonly meta: RunMeta;
  readonly journal: SqlJournal;
  readonly logs: SqlLogSink;
  /** Drops what memory kept of writes a failed transaction rolled back. */
  readonly forget: () => void;
  /** Delivers the run's index row now (read-your-writes), re-arming for a retry if it fails. */
  readonly deliver: () => Promise<void>;
}

/**
 * The remote side of one run object.
 *
 * @example
 * ```ts
 * const remote = new RemoteRun({ storage, meta, journal, logs, forget, deliver });
 * if (remote.active) return; // never executed here
 * ```
 */
export class RemoteRun {
  /** Folded once per wake, then kept up to date by {@link noteAppended}. */
  #known: { length: number; cancel: boolean; finished: boolean } | undefined;

  constructor(readonly ports: RemoteRunPorts) {}

  /** Whether the object holds a remote run. */
  get active(): boolean {
    return this.ports.meta.get("executor") === "remote";
  }

  /** Creates the run from its creation entries and gives `holder` the lease (epoch 1). */
  async start(request: StartRemoteRequest): Promise<RemoteAnswer<RemoteRunStarted>> {
    const { meta, journal, logs, storage } = this.ports;
    const now = Date.now();
    const ttlMs = request.ttlMs ?? DEFAULT_REMOTE_LEASE_MS;
    const existing = meta.get("run_id");
    if (existing !== undefined) {
      if (!this.active || meta.get("flow_name") !== request.flowName) {
        return refuse("conflict", `Run '${existing}' exists and is not this remote run`);
      }
      const lease = this.#lease();
      if (lease !== undefined && lease.holder === request.holder && live(lease, now)) {
        return { ok: true, value: { lease: this.#store(lease, now, ttlMs), created: false } };
      }
      const claimed = this.#claim(request.holder, ttlMs, now);
      return claimed.ok ? { ok: true, value: { lease: claimed.value, created: false } } : claimed;
    }
    const problem =
      checkCreation(request) ?? checkEntries(request.entries, 1) ?? checkLogs(request);
    if (problem !== undefined) return problem;
    meta.ensureSchema();
    let lease: RunLease;
    try {
      storage.transactionSync(() => {
        meta.set("run_id", request.runId);
        meta.set("flow_name", request.flowName);
        meta.set("executor", "remote");
        // Never due (run_driver.ts's NEVER, not imported: rpc.ts reads this module's types and
        // run_driver.ts reaches rpc.ts): the alarm of a remote run serves its outbox only.
        meta.set("wake_at", String(Number.MAX_SAFE_INTEGER));
        lease = this.#store({ holder: request.holder, epoch: 1, expiresAt: 0, ttlMs }, now, ttlMs);
        journal.append(request.runId, request.entries);
        journal.flush();
        for (const log of request.logs ?? []) logs.write(log);
      });
    } catch (error) {
      meta.forget();
      this.#known = undefined;
      this.ports.forget();
      throw error;
    }
    await this.ports.deliver();
    // biome-ignore lint/style/noNonNullAssertion: set inside the transaction, which succeeded
    return { ok: true, value: { lease: lease!, created: true } };
  }

  /** Takes the lease if it is free or expired (epoch + 1). */
  claim(holder: string, ttlMs = DEFAULT_REMOTE_LEASE_MS): RemoteAnswer<RunLease> {
    const missing = this.#remoteOnly();
    if (missing !== undefined) return missing;
    return this.#claim(holder, ttlMs, Date.now());
  }

  /** Extends the lease of `epoch`; refused once it is stale or expired. */
  renew(epoch: number, ttlMs?: number): RemoteAnswer<LeaseState> {
    const held = this.#held(epoch);
    if (!held.ok) return held;
    const lease = this.#store(held.value, Date.now(), ttlMs ?? held.value.ttlMs);
    return { ok: true, value: this.#state(lease) };
  }

  /** Gives the lease of `epoch` back; answers whether it was still held (harmless if not). */
  release(epoch: number): RemoteAnswer<{ released: boolean }> {
    const held = this.#held(epoch);
    if (!held.ok)
      return held.code === "lease_lost" ? { ok: true, value: { released: false } } : held;
    const now = Date.now();
    this.ports.meta.set(
      "lease",
      JSON.stringify({ ...held.value, expiresAt: now, released: true } satisfies StoredLease),
    );
    return { ok: true, value: { released: true } };
  }

  /** Appends entries and log lines atomically under the lease of `epoch`, which it extends. */
  async append(
    epoch: number,
    entries: readonly JournalEntry[],
    lines: readonly LogRecord[] = [],
  ): Promise<RemoteAnswer<LeaseState>> {
    const held = this.#held(epoch);
    if (!held.ok) return held;
    const runId = this.ports.meta.get("run_id") as string;
    const problem = checkEntries(entries, 0) ?? checkLogs({ runId, logs: lines });
    if (problem !== undefined) return problem;
    const { storage, journal, logs } = this.ports;
    let lease: RunLease;
    try {
      storage.transactionSync(() => {
        lease = this.#store(held.value, Date.now(), held.value.ttlMs);
        journal.append(runId, entries);
        journal.flush();
        for (const log of lines) logs.write(log);
      });
    } catch (error) {
      this.ports.meta.forget();
      this.#known = undefined;
      this.ports.forget();
      throw error;
    }
    if (entries.some((e) => e.type === "run.state" || e.type === "run.finished")) {
      await this.ports.deliver();
    }
    // biome-ignore lint/style/noNonNullAssertion: set inside the transaction, which succeeded
    return { ok: true, value: this.#state(lease!) };
  }

  /** The run's journal, for a resume; `undefined` when the object holds no run. */
  entries(): JournalEntry[] | undefined {
    const runId = this.ports.meta.get("run_id");
    return runId === undefined ? undefined : this.ports.journal.read(runId);
  }

  /** Keeps what renewals answer up to date (every append of the object passes here). */
  noteAppended(entries: readonly JournalEntry[]): void {
    const known = this.#known;
    if (known === undefined) return;
    known.length += entries.length;
    for (const e of entries) {
      if (e.type === "run.cancel") known.cancel = true;
      else if (e.type === "run.finished") known.finished = true;
      else if (e.type === "run.retry") known.finished = false;
    }
  }

  // ——— Helpers ———

  #remoteOnly(): RemoteRefusal | undefined {
    const runId = this.ports.meta.get("run_id");
    if (runId === undefined) return refuse("not_found", "No such run");
    if (!this.active) {
      return refuse(
        "conflict",
        `Run '${runId}' executes in this Worker; only a remote run has a lease`,
      );
    }
    return undefined;
  }

  #lease(): StoredLease | undefined {
    const text = this.ports.meta.get("lease");
    return text === undefined ? undefined : (JSON.parse(text) as StoredLease);
  }

  #claim(holder: string, ttlMs: number, now: number): RemoteAnswer<RunLease> {
    const lease = this.#lease();
    if (lease !== undefined && live(lease, now)) {
      return refuse(
        "lease_held",
        `The run's lease is held by '${lease.holder}' until ${new Date(lease.expiresAt).toISOString()}`,
      );
    }
    const epoch = (lease?.epoch ?? 0) + 1;
    return { ok: true, value: this.#store({ holder, epoch, expiresAt: 0, ttlMs }, now, ttlMs) };
  }

  /** The lease, if `epoch` still holds it. */
  #held(epoch: number): RemoteAnswer<StoredLease> {
    const missing = this.#remoteOnly();
    if (missing !== undefined) return missing;
    const lease = this.#lease();
    const now = Date.now();
    if (lease === undefined || lease.epoch !== epoch || !live(lease, now)) {
      const why =
        lease === undefined || lease.epoch !== epoch
          ? `epoch ${epoch} is stale (the lease is at epoch ${lease?.epoch ?? 0}, held by '${lease?.holder ?? "nobody"}')`
          : lease.released
            ? `the lease of epoch ${epoch} was released`
            : `the lease of epoch ${epoch} expired at ${new Date(lease.expiresAt).toISOString()}`;
      return refuse("lease_lost", `Lease lost: ${why}; claim the run again to go on`);
    }
    return { ok: true, value: lease };
  }

  /** Stores the lease with its expiry `ttlMs` from now; answers it as the wire has it. */
  #store(lease: StoredLease, now: number, ttlMs: number): RunLease {
    const stored: StoredLease = {
      holder: lease.holder,
      epoch: lease.epoch,
      expiresAt: now + ttlMs,
      ttlMs,
    };
    this.ports.meta.set("lease", JSON.stringify(stored));
    return this.#wire(stored);
  }

  #wire(lease: StoredLease): RunLease {
    return {
      runId: this.ports.meta.get("run_id") ?? "",
      holder: lease.holder,
      epoch: lease.epoch,
      expiresAt: lease.expiresAt,
    };
  }

  #state(lease: RunLease): LeaseState {
    if (this.#known === undefined) {
      const entries = this.entries() ?? [];
      const record = foldJournal(entries);
      this.#known = {
        length: entries.length,
        cancel: record.cancel !== undefined,
        finished: record.finished !== undefined,
      };
    }
    const known = this.#known;
    return { lease, cancelRequested: known.cancel && !known.finished, length: known.length };
  }
}

function live(lease: StoredLease, now: number): boolean {
  return lease.released !== true && now < lease.expiresAt;
}

function refuse(code: RemoteRefusal["code"], message: string, field?: string): RemoteRefusal {
  return { ok: false, code, message, ...(field === undefined ? {} : { field }) };
}

/** The creation entries begin with this run's `run.created`. */
function checkCreation(request: StartRemoteRequest): RemoteRefusal | undefined {
  const first = request.entries[0];
  if (first?.type !== "run.created") {
    return refuse("invalid", "The first entry must be the run's run.created", "entries.0.type");
  }
  if (first.run.id !== request.runId) {
    return refuse("invalid", `must equal runId '${request.runId}'`, "entries.0.run.id");
  }
  if (first.run.flowName !== request.flowName) {
    return refuse("invalid", `must equal flowName '${request.flowName}'`, "entries.0.run.flowName");
  }
  return undefined;
}

/** No `run.created` but the first of a start: a run is created once. */
function checkEntries(entries: readonly JournalEntry[], from: number): RemoteRefusal | undefined {
  for (let i = from; i < entries.length; i++) {
    if (entries[i]?.type === "run.created") {
      return refuse(
        "invalid",
        "A run is created once: run.created only begins a start",
        `entries.${i}.type`,
      );
    }
  }
  return undefined;
}

/** Every line is the run's own. */
function checkLogs(request: {
  readonly runId: string;
  readonly logs?: readonly LogRecord[];
}): RemoteRefusal | undefined {
  const logs = request.logs ?? [];
  for (let i = 0; i < logs.length; i++) {
    if (logs[i]?.runId !== request.runId) {
      return refuse("invalid", `must equal the run's id '${request.runId}'`, `logs.${i}.runId`);
    }
  }
  return undefined;
}
