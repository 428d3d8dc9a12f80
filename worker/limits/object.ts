/**
 * One Durable Object per concurrency limit (`idFromName(name)`): the source of truth for who
 * holds its slots and who waits. The rules are the runtime's `LimitBook`; this object keeps
 * the book in SQLite, tells granted runs at once by RPC (through a grant outbox, so a grant is
 * never lost), asks holders whose lease has expired whether they still hold it, keeps D1's
 * catalogue row in step, and uses its one alarm for every due thing: lease expiries, a rate
 * limit's decay admissions, grant retries and catalogue retries.
 *
 * @module
 */

import { DurableObject } from "cloudflare:workers";
import type { ConcurrencyLimit } from "../../protocol/concurrency.ts";
import { DEFAULT_LEASE_TTL_MS, type Grant, type LimitBook } from "../../runtime/limits/book.ts";
import type { SlotAnswer, SlotRequest } from "../../runtime/limits/port.ts";
import type { WeirEnv } from "../env.ts";
import type { Served } from "../rpc.ts";
import { deleteCatalogueRow, writeCatalogueRow } from "./catalogue.ts";
import { GrantOutbox, MAX_GRANT_ATTEMPTS } from "./grant_outbox.ts";
import { type HolderCalls, runCalls } from "./holder_calls.ts";
import type { LimitConfigure, LimitObjectRpc } from "./rpc.ts";
import { migrateLimit } from "./schema.ts";
import { LimitStore } from "./store.ts";

/**
 * A grant is delivered at once; if the object dies before it is, its alarm delivers it this
 * long after.
 */
const GRANT_BACKSTOP_MS = 1_000;

/** A catalogue write that failed is tried again this long after. */
const CATALOGUE_RETRY_MS = 5_000;

/** A grant to deliver: a fresh one (0 attempts) or one from the outbox. */
interface Delivery {
  readonly leaseId: string;
  readonly runId: string;
}

/**
 * The lease time from `WEIR_LEASE_TTL_MS` (default a minute).
 *
 * @example
 * ```ts
 * leaseTtlMs({ WEIR_LEASE_TTL_MS: "1500" } as WeirEnv); // 1500
 * ```
 */
export function leaseTtlMs(env: WeirEnv): number {
  const ttl = Number(env.WEIR_LEASE_TTL_MS);
  return env.WEIR_LEASE_TTL_MS !== undefined && Number.isFinite(ttl) && ttl > 0
    ? ttl
    : DEFAULT_LEASE_TTL_MS;
}

/**
 * The concurrency limit object. `createWeirWorker` returns it as `ConcurrencyLimit`, the
 * class name wrangler.toml binds to `CONCURRENCY_LIMITS`.
 *
 * @example
 * ```ts
 * const answer = await limitObject(env, "db").acquire(request);
 * ```
 */
export class ConcurrencyLimitObject
  extends DurableObject<WeirEnv>
  implements Served<LimitObjectRpc>
{
  /** How the object reaches runs (RPC to their objects); tests stand in for runs here. */
  holderCalls: HolderCalls;
  readonly #outbox: GrantOutbox;
  readonly #store: LimitStore;
  readonly #book: LimitBook;
  /** The alarm as last set: `null` none, `undefined` unknown (after a wake). */
  #alarmAt: number | null | undefined;
  /** The alarm handler is running (see #arm). */
  #inAlarm = false;
  /** Grants on their way, so a retry never sends one twice at once. */
  readonly #delivering = new Set<string>();
  /** Catalogue writes, one after another, so the last configuration is the one D1 keeps. */
  #catalogue: Promise<void> = Promise.resolve();
  /** Changes of configuration since this instance started: a flag is cleared only if current. */
  #configVersion = 0;

  constructor(ctx: DurableObjectState, env: WeirEnv) {
    super(ctx, env);
    migrateLimit(ctx.storage);
    this.#outbox = new GrantOutbox(ctx.storage);
    this.#store = new LimitStore(ctx.storage, this.#outbox);
    this.#book = this.#store.load(leaseTtlMs(env));
    this.holderCalls = runCalls(env);
  }

  // ——— RPC ———

  async acquire(request: SlotRequest): Promise<SlotAnswer> {
    const now = Date.now();
    const { answer, grants } = this.#book.acquire(request, now);
    await this.#changed(grants, now);
    return answer;
  }

  async release(leaseId: string): Promise<{ released: boolean }> {
    const now = Date.now();
    const { released, grants } = this.#book.release(leaseId, now);
    await this.#changed(grants, now);
    return { released };
  }

  async renew(leaseIds: readonly string[]): Promise<{ held: string[] }> {
    const now = Date.now();
    const held = leaseIds.filter((leaseId) => this.#book.renew(leaseId, now));
    await this.#changed([], now);
    return { held };
  }

  async configure(change: LimitConfigure): Promise<ConcurrencyLimit | undefined> {
    const now = Date.now();
    const book = this.#book;
    book.learnName(change.name);
    let grants: Grant[] = [];
    if (book.config === undefined) {
      if (!change.create) return undefined;
      if (change.limit === undefined) {
        throw new Error(`Creating concurrency limit '${change.name}' needs its limit`);
      }
      book.create(
        change.name,
        {
          limit: change.limit,
          active: change.active ?? true,
          slotDecayPerSecond: change.slotDecayPerSecond ?? 0,
        },
        now,
      );
    } else {
      const { limit, active, slotDecayPerSecond } = change;
      grants = book.configure({ limit, active, slotDecayPerSecond }, now)?.grants ?? [];
    }
    await this.#changed(grants, now);
    return this.view();
  }

  view(): ConcurrencyLimit | undefined {
    return this.#book.view(Date.now());
  }

  async reset(): Promise<ConcurrencyLimit | undefined> {
    if (this.#book.config === undefined) return undefined;
    const now = Date.now();
    await this.#changed(this.#book.reset(now).grants, now);
    return this.view();
  }

  async remove(): Promise<{ removed: boolean; admitted: number }> {
    const now = Date.now();
    const { removed, grants } = this.#book.remove(now);
    await this.#changed(grants, now);
    return { removed, admitted: grants.length };
  }

  // ——— the alarm ———

  override async alarm(): Promise<void> {
    // The alarm that fired is spent; what is due next is set once, at the end.
    this.#alarmAt = null;
    this.#inAlarm = true;
    try {
      const now = Date.now();
      // A rate limit's decayed slots admit the line (and old rate grants are forgotten).
      await this.#changed(this.#book.admit(now), now);
      await this.#confirmExpired(now);
      await this.#deliver(this.#outbox.due(Date.now()));
      if (this.#store.catalogueDirty()) await this.#syncCatalogue();
    } finally {
      this.#inAlarm = false;
      await this.#arm();
    }
  }

  // ——— inside ———

  /**
   * After every change: stores it with its grants (one transaction), arms the alarm before
   * anything leaves the object, brings the catalogue row up to date, and tells the granted.
   */
  async #changed(grants: readonly Grant[], now: number): Promise<void> {
    const configChanged = this.#store.commit(this.#book, grants, now + GRANT_BACKSTOP_MS);
    if (configChanged) this.#configVersion++;
    await this.#arm();
    if (configChanged) await this.#syncCatalogue();
    if (grants.length > 0) await this.#deliver(grants);
  }

  /**
   * Tells each granted run; a run that answers false no longer wants the slots, which are
   * freed at once (and may grant the next in line, told in turn). A call that fails stays in
   * the outbox for the alarm, and is given up (its slots freed) after MAX_GRANT_ATTEMPTS.
   */
  async #deliver(deliveries: readonly Delivery[]): Promise<void> {
    let pending = deliveries;
    while (pending.length > 0) {
      const unwanted: string[] = [];
      await Promise.all(pending.map((d) => this.#deliverOne(d, unwanted)));
      const now = Date.now();
      const grants = unwanted.flatMap((leaseId) => this.#book.release(leaseId, now).grants);
      this.#store.commit(this.#book, grants, now + GRANT_BACKSTOP_MS);
      pending = grants;
    }
    await this.#arm();
  }

  async #deliverOne({ leaseId, runId }: Delivery, unwanted: string[]): Promise<void> {
    if (this.#delivering.has(leaseId)) return;
    if (!this.#grantStands(leaseId)) {
      this.#outbox.delete(leaseId);
      return;
    }
    this.#delivering.add(leaseId);
    try {
      const wanted = await this.holderCalls.slotGranted(runId, leaseId);
      this.#outbox.delete(leaseId);
      if (!wanted) unwanted.push(leaseId);
    } catch (error) {
      const attempts = this.#outbox.failed(leaseId, Date.now(), messageOf(error));
      if (attempts >= MAX_GRANT_ATTEMPTS) {
        console.error(
          `weir: concurrency limit '${this.#book.name}' gave up telling run ${runId} of lease ${leaseId} after ${attempts} attempts; its slots are freed`,
          error,
        );
        this.#outbox.delete(leaseId);
        unwanted.push(leaseId);
      }
    } finally {
      this.#delivering.delete(leaseId);
    }
  }

  /** Whether a queued grant still means something: its lease is held (or the limit is gone). */
  #grantStands(leaseId: string): boolean {
    if (this.#book.config === undefined) return true;
    const state = this.#book.lease(leaseId)?.state;
    return state === "held" || state === "spent";
  }

  /**
   * Asks the holders of expired leases whether they still hold them: yes renews, no frees,
   * no answer counts a failure (freed after three in a row). A lease whose grant has not yet
   * reached its run is renewed without asking: the run cannot know it yet.
   */
  async #confirmExpired(now: number): Promise<void> {
    const book = this.#book;
    const asked = book.expired(now).filter((h) => {
      if (!this.#outbox.has(h.leaseId)) return true;
      book.renew(h.leaseId, now);
      return false;
    });
    const answers = await Promise.all(
      asked.map((h) =>
        this.holderCalls.confirmLease(h.runId, h.leaseId).then(
          (held) => ({ leaseId: h.leaseId, held }),
          (error: unknown) => ({ leaseId: h.leaseId, error }),
        ),
      ),
    );
    const at = Date.now();
    const grants: Grant[] = [];
    for (const answer of answers) {
      if ("error" in answer) grants.push(...book.unconfirmed(answer.leaseId, at).grants);
      else if (answer.held) book.renew(answer.leaseId, at);
      else grants.push(...book.release(answer.leaseId, at).grants);
    }
    await this.#changed(grants, at);
  }

  /** Writes (or deletes) D1's catalogue row; a failure is left flagged for the alarm. */
  #syncCatalogue(): Promise<void> {
    this.#catalogue = this.#catalogue.then(async () => {
      const version = this.#configVersion;
      const book = this.#book;
      const name = book.name;
      const view = book.view(Date.now());
      try {
        if (name !== undefined && view !== undefined) await writeCatalogueRow(this.env.DB, view);
        else if (name !== undefined) await deleteCatalogueRow(this.env.DB, name);
        if (version === this.#configVersion) this.#store.catalogueClean();
      } catch (error) {
        console.error(`weir: concurrency limit '${name}': the catalogue row is retried`, error);
        await this.#arm();
      }
    });
    return this.#catalogue;
  }

  /**
   * Makes the alarm fire no later than the earliest due thing. Never moved later: an early
   * alarm finds nothing due and sets the right time. Not while the alarm runs: it sets the
   * time when it ends, from everything due then.
   */
  async #arm(): Promise<void> {
    if (this.#inAlarm) return;
    const now = Date.now();
    let at = Math.min(
      this.#book.nextDueAt(now) ?? Number.POSITIVE_INFINITY,
      this.#outbox.nextAttemptAt() ?? Number.POSITIVE_INFINITY,
    );
    if (this.#store.catalogueDirty()) at = Math.min(at, now + CATALOGUE_RETRY_MS);
    // Nothing due: an alarm still set fires, finds nothing, and is not set again.
    if (!Number.isFinite(at)) return;
    const current = this.#alarmAt === undefined ? await this.ctx.storage.getAlarm() : this.#alarmAt;
    if (current !== null && current <= at) {
      this.#alarmAt = current;
      return;
    }
    this.#alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
