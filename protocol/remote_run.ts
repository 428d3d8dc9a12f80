/**
 * Runs executed outside the Worker (a script with `WEIR_API_URL` set, later a pool worker):
 * the run's Durable Object keeps its journal and logs, and the process that executes it holds
 * a lease on it. Every write carries the lease's `epoch`; once the lease has expired or been
 * taken over, a write with it is refused (409 `lease_lost`), so a process thought dead cannot
 * corrupt a run another now owns.
 *
 * Routes (all under the API token like every /api route):
 * - `POST /api/remote-runs` {@link StartRemoteRunBody} → 201 {@link RemoteRunStarted}: creates
 *   the run (any flow name: the flow's code lives in the caller) from the caller's creation
 *   entries, and gives the caller the lease (epoch 1). Idempotent by `runId` for the same
 *   `holder`; 409 `lease_held` when another holder has a live lease.
 * - `POST /api/runs/{id}/lease` {@link ClaimLeaseBody} → 200 {@link RunLease}: takes the lease
 *   of a remote run whose lease is free or expired (epoch + 1); 409 `lease_held` otherwise.
 * - `POST /api/runs/{id}/lease/renew` {@link LeaseBody} → 200 {@link LeaseState}; 409 `lease_lost`.
 * - `POST /api/runs/{id}/lease/release` {@link LeaseBody} → 200 (harmless when already lost).
 * - `GET /api/runs/{id}/journal` → 200 {@link JournalPage} (the entries, for a resume).
 * - `POST /api/runs/{id}/journal` {@link AppendBody} → 200 {@link LeaseState}: appends entries
 *   and log lines atomically; 409 `lease_lost`; 422 naming the entry field that is malformed.
 * - `GET|PUT /api/cache/{key}`, `GET|PUT /api/results/{key}`: the cache and result ports.
 *
 * @module
 */

import type { CacheEntry, Encoded, JournalEntry, LogRecord } from "../runtime/host.ts";

/** How long a lease lives unless renewed, by default (ms). */
export const DEFAULT_REMOTE_LEASE_MS = 30_000;

/** The shortest and longest lease a caller may ask for (ms). */
export const MIN_REMOTE_LEASE_MS = 1_000;
export const MAX_REMOTE_LEASE_MS = 600_000;

/** The most journal entries and log lines one append may carry. */
export const MAX_APPEND_ENTRIES = 1_000;
export const MAX_APPEND_LOGS = 1_000;

/**
 * A lease on a remote run: who holds it, its epoch (raised by every takeover), and when it
 * expires unless renewed.
 *
 * @example
 * ```ts
 * const lease: RunLease = { runId, holder: "laptop-1", epoch: 1, expiresAt: Date.now() + 30_000 };
 * ```
 */
export interface RunLease {
  readonly runId: string;
  readonly holder: string;
  readonly epoch: number;
  /** Epoch ms. */
  readonly expiresAt: number;
}

/**
 * What a renewal or an append answers: the lease as it now is, and whether cancellation of the
 * run was requested (the holder then stops its tasks and ends the run Cancelled).
 *
 * @example
 * ```ts
 * if (state.cancelRequested) controller.abort();
 * ```
 */
export interface LeaseState {
  readonly lease: RunLease;
  readonly cancelRequested: boolean;
  /** The journal's length after the append (entries stored), for a caller's checks. */
  readonly length: number;
}

/** POST /api/remote-runs. `entries` are the run's creation entries (`runCreation`). */
export interface StartRemoteRunBody {
  readonly runId: string;
  readonly flowName: string;
  readonly holder: string;
  readonly ttlMs?: number;
  readonly entries: readonly JournalEntry[];
  readonly logs?: readonly LogRecord[];
}

/** What POST /api/remote-runs answers. */
export interface RemoteRunStarted {
  readonly lease: RunLease;
  /** False when the run already existed (an idempotent repeat by the same holder). */
  readonly created: boolean;
}

/** POST /api/runs/{id}/lease. */
export interface ClaimLeaseBody {
  readonly holder: string;
  readonly ttlMs?: number;
}

/** POST /api/runs/{id}/lease/renew and /release. */
export interface LeaseBody {
  readonly epoch: number;
  readonly ttlMs?: number;
}

/** POST /api/runs/{id}/journal. */
export interface AppendBody {
  readonly epoch: number;
  readonly entries: readonly JournalEntry[];
  readonly logs?: readonly LogRecord[];
}

/** GET /api/runs/{id}/journal. */
export interface JournalPage {
  readonly entries: readonly JournalEntry[];
}

/** GET /api/cache/{key}. */
export interface CacheRead {
  readonly entry: CacheEntry | null;
}

/** PUT /api/results/{key}. (PUT /api/cache/{key} takes a `CacheEntry`.) Both answer `{ ok: true }`. */
export interface ResultWrite {
  readonly value: Encoded;
}

/** What POST /api/runs/{id}/lease/release answers: whether the lease was still held. */
export interface LeaseReleased {
  readonly released: boolean;
}

/** GET /api/results/{key}. */
export interface ResultRead {
  readonly value: Encoded | null;
}
