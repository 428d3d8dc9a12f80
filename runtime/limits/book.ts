/**
 * The rules of one concurrency limit as synchronous bookkeeping: who holds slots, who waits
 * (first in, first out), how a rate limit's slots decay, and which waiters each change admits
 * (`grants`, for the host to tell). Hosts own time, storage and calls out: the in-process
 * `InMemoryConcurrency` and the Worker's limit object drive this one book.
 *
 * @module
 */

import {
  ChangeLog,
  DEFAULT_LEASE_TTL_MS,
  Decay,
  decayedToAt,
  EPSILON,
  grantOf,
  holderOf,
  invalidOccupy,
  limitReached,
  MAX_CONFIRM_FAILURES,
  viewOf,
  waiterOf,
} from "./book_records.ts";
import type {
  BookChanges,
  BookHolder,
  BookState,
  BookWaiter,
  Grant,
  LeaseRecord,
  LimitConfig,
  LimitView,
  SpentLease,
} from "./book_types.ts";
import type { SlotAnswer, SlotRequest } from "./port.ts";

export { DEFAULT_LEASE_TTL_MS, MAX_CONFIRM_FAILURES } from "./book_records.ts";
export type * from "./book_types.ts";

/**
 * One limit's book.
 *
 * @example
 * ```ts
 * const book = new LimitBook({ leaseTtlMs: 60_000 });
 * book.create("db", { limit: 1, active: true, slotDecayPerSecond: 0 }, now);
 * book.acquire(request, now).answer; // { status: "granted" }
 * const { grants } = book.release(request.leaseId, now); // the next waiter, if any
 * ```
 */
export class LimitBook {
  #name: string | undefined;
  #config: LimitConfig | undefined;
  #createdAt: number;
  #updatedAt: number;
  readonly #decay: Decay;
  #nextSeq: number;
  readonly #holders = new Map<string, BookHolder>();
  #waiters: BookWaiter[] = [];
  readonly #spent = new Map<string, SpentLease>();
  readonly #changes = new ChangeLog();

  /** How long a lease lives before its holder is asked to confirm it, in ms. */
  readonly leaseTtlMs: number;
  /** From a stored state, or empty; `leaseTtlMs` `Infinity` for holders that cannot vanish. */
  constructor(options: { readonly state?: BookState; readonly leaseTtlMs?: number } = {}) {
    const state = options.state;
    this.leaseTtlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    this.#name = state?.name;
    this.#config = state?.config;
    this.#createdAt = state?.createdAt ?? 0;
    this.#updatedAt = state?.updatedAt ?? 0;
    this.#decay = new Decay(state?.decaying ?? 0, state?.decayingAt ?? 0);
    this.#nextSeq = state?.nextSeq ?? 1;
    for (const h of state?.holders ?? []) this.#holders.set(h.leaseId, { ...h });
    this.#waiters = [...(state?.waiters ?? [])].sort((a, b) => a.seq - b.seq);
    for (const s of state?.spent ?? []) this.#spent.set(s.leaseId, s);
  }

  /** The limit's name, once known. */
  get name(): string | undefined {
    return this.#name;
  }
  /** The limit's settings; `undefined` when it does not exist. */
  get config(): LimitConfig | undefined {
    return this.#config;
  }

  /** Records the limit's name; throws if the book already has another (a host's mix-up). */
  learnName(name: string): void {
    if (this.#name === name) return;
    if (this.#name !== undefined) {
      throw new Error(`This is concurrency limit '${this.#name}', not '${name}'`);
    }
    this.#name = name;
    this.#changes.meta = true;
  }

  /** Everything the book holds, for storage. */
  state(): BookState {
    return {
      name: this.#name,
      config: this.#config,
      createdAt: this.#createdAt,
      updatedAt: this.#updatedAt,
      decaying: this.#decay.amount,
      decayingAt: this.#decay.at,
      nextSeq: this.#nextSeq,
      holders: [...this.#holders.values()].map((h) => ({ ...h })),
      waiters: [...this.#waiters],
      spent: [...this.#spent.values()],
    };
  }

  /** Where lease `leaseId` stands. */
  lease(leaseId: string): LeaseRecord | undefined {
    const holder = this.#holders.get(leaseId);
    if (holder !== undefined) return { state: "held", holder };
    const waiter = this.#waiters.find((w) => w.leaseId === leaseId);
    if (waiter !== undefined) return { state: "waiting", waiter };
    const spent = this.#spent.get(leaseId);
    return spent === undefined ? undefined : { state: "spent", spent };
  }

  /** What changed since the last call (see {@link BookChanges}), and forgets it. */
  takeChanges(): BookChanges {
    return this.#changes.take();
  }

  /** Slots in use at `now`: held by leases, plus released slots still decaying. */
  slotsHeld(now: number): number {
    return this.#held() + this.#decay.left(now, this.#rate());
  }

  /** Creates the limit; `false` (and nothing changes) when it exists. */
  create(name: string, config: LimitConfig, now: number): boolean {
    this.learnName(name);
    if (this.#config !== undefined) return false;
    this.#config = { ...config };
    this.#createdAt = now;
    this.#updatedAt = now;
    this.#decay.clear(now);
    this.#changes.configured();
    return true;
  }

  /**
   * Changes the limit's settings. Raising the limit (or deactivating it) admits waiters at
   * once; lowering it lets holders finish. `undefined` when the limit does not exist.
   */
  configure(patch: Partial<LimitConfig>, now: number): { grants: Grant[] } | undefined {
    const old = this.#config;
    if (old === undefined) return undefined;
    const next: LimitConfig = {
      limit: patch.limit ?? old.limit,
      active: patch.active ?? old.active,
      slotDecayPerSecond: patch.slotDecayPerSecond ?? old.slotDecayPerSecond,
    };
    if (
      next.limit === old.limit &&
      next.active === old.active &&
      next.slotDecayPerSecond === old.slotDecayPerSecond
    ) {
      return { grants: [] };
    }
    if (next.slotDecayPerSecond !== old.slotDecayPerSecond) {
      this.#decay.rebase(now, old.slotDecayPerSecond, next.slotDecayPerSecond);
    }
    this.#config = next;
    this.#updatedAt = now;
    this.#changes.configured();
    return { grants: this.admit(now) };
  }

  /**
   * Asks for slots (see SlotRequest and the semantics in port.ts): idempotent by lease id;
   * a new request never overtakes one in line. `grants` are waiters admitted on the way (an
   * enforced declaration that raised the limit).
   */
  acquire(request: SlotRequest, now: number): { answer: SlotAnswer; grants: Grant[] } {
    this.learnName(request.limit);
    const known = this.lease(request.leaseId);
    if (known?.state === "held") {
      // Asking again is a sign of life: the lease lives on from now.
      this.renew(request.leaseId, now);
      return { answer: { status: "granted" }, grants: [] };
    }
    if (known?.state === "spent") return { answer: { status: "granted" }, grants: [] };
    if (known?.state === "waiting") {
      const position = this.#waiters.indexOf(known.waiter) + 1;
      return { answer: this.#waiting(position, now), grants: [] };
    }

    let grants: Grant[] = [];
    const declared = request.declare;
    const settings = declared && {
      limit: declared.limit,
      slotDecayPerSecond: declared.slotDecayPerSecond ?? 0,
    };
    if (this.#config === undefined) {
      if (settings === undefined) return { answer: { status: "none" }, grants };
      this.create(request.limit, { ...settings, active: true }, now);
    } else if (settings !== undefined && declared?.enforce) {
      grants = this.configure(settings, now)?.grants ?? [];
    }
    const config = this.#config as LimitConfig;
    if (!config.active) return { answer: { status: "none" }, grants };

    const held = this.slotsHeld(now);
    const invalid = invalidOccupy(request.limit, request.occupy, config.limit);
    if (invalid !== undefined) {
      return { answer: { status: "refused", held, limit: config.limit, reason: invalid }, grants };
    }
    if (this.#waiters.length > 0 || held + request.occupy > config.limit + EPSILON) {
      if (request.strategy === "CANCEL_NEW") {
        const reason = limitReached(request.limit, held, config.limit);
        return { answer: { status: "refused", held, limit: config.limit, reason }, grants };
      }
      const waiter = waiterOf(request, now, this.#nextSeq++);
      this.#waiters.push(waiter);
      this.#changes.lease(waiter.leaseId);
      this.#changes.meta = true;
      return { answer: this.#waiting(this.#waiters.length, now), grants };
    }
    this.#grant(waiterOf(request, now, 0), now);
    return { answer: { status: "granted" }, grants };
  }

  /**
   * Frees a lease (its slots decay first on a rate limit) or takes a request out of the line,
   * then admits the waiters that now fit. `released: false` for a lease the book does not
   * hold or queue (released before, expired, a rate grant): harmless.
   */
  release(leaseId: string, now: number): { released: boolean; grants: Grant[] } {
    const holder = this.#holders.get(leaseId);
    if (holder !== undefined) {
      this.#holders.delete(leaseId);
      this.#changes.lease(leaseId);
      this.#addDecaying(holder.occupy, now);
      return { released: true, grants: this.admit(now) };
    }
    const index = this.#waiters.findIndex((w) => w.leaseId === leaseId);
    if (index === -1) return { released: false, grants: [] };
    this.#waiters.splice(index, 1);
    this.#changes.lease(leaseId);
    // The one that left may have been the head that did not fit.
    return { released: true, grants: this.admit(now) };
  }

  /** Pushes a held lease's expiry to `now` plus the lease time; `false` when it is not held. */
  renew(leaseId: string, now: number): boolean {
    const holder = this.#holders.get(leaseId);
    if (holder === undefined) return false;
    holder.expiresAt = now + this.leaseTtlMs;
    holder.failures = 0;
    this.#changes.lease(leaseId);
    return true;
  }

  /** Frees every slot (holders lose their leases, decay ends) and admits the line in order. */
  reset(now: number): { freed: BookHolder[]; grants: Grant[] } {
    const freed = [...this.#holders.values()];
    for (const h of freed) this.#changes.lease(h.leaseId);
    this.#holders.clear();
    this.#decay.clear(now);
    this.#changes.meta = true;
    return { freed, grants: this.admit(now) };
  }

  /** Deletes the limit: every waiter is granted (nothing holds it back any more). */
  remove(now: number): { removed: boolean; grants: Grant[] } {
    if (this.#config === undefined) return { removed: false, grants: [] };
    const grants = this.#waiters.map(grantOf);
    const gone = [...this.#holders.keys(), ...this.#spent.keys(), ...grants.map((g) => g.leaseId)];
    for (const id of gone) this.#changes.lease(id);
    this.#holders.clear();
    this.#spent.clear();
    this.#waiters = [];
    this.#config = undefined;
    this.#decay.clear(now);
    this.#updatedAt = now;
    this.#changes.configured();
    return { removed: true, grants };
  }

  /**
   * Admits the waiters that fit now, in order, stopping at the first that does not (an
   * inactive limit admits everyone). Hosts call it when {@link nextDueAt} comes (a rate
   * limit's slots have decayed); every change calls it too. Forgets rate grants past keeping.
   */
  admit(now: number): Grant[] {
    for (const s of this.#spent.values()) {
      if (s.until <= now) {
        this.#spent.delete(s.leaseId);
        this.#changes.lease(s.leaseId);
      }
    }
    const config = this.#config;
    const grants: Grant[] = [];
    if (config === undefined) return grants;
    for (let head = this.#waiters[0]; head !== undefined; head = this.#waiters[0]) {
      if (config.active && this.slotsHeld(now) + head.occupy > config.limit + EPSILON) break;
      this.#waiters.shift();
      grants.push(this.#grant(head, now));
    }
    return grants;
  }

  /** Held leases whose expiry has come: the host asks each holder to confirm. */
  expired(now: number): BookHolder[] {
    return [...this.#holders.values()].filter((h) => h.expiresAt <= now);
  }

  /**
   * A holder could not be reached to confirm its lease: the lease lives another lease time,
   * and is freed after {@link MAX_CONFIRM_FAILURES} failures in a row. (A holder that answers
   * renews with {@link renew}, or is freed with {@link release}.)
   */
  unconfirmed(leaseId: string, now: number): { freed: boolean; grants: Grant[] } {
    const holder = this.#holders.get(leaseId);
    if (holder === undefined) return { freed: false, grants: [] };
    holder.failures += 1;
    this.#changes.lease(leaseId);
    if (holder.failures >= MAX_CONFIRM_FAILURES) {
      return { freed: true, grants: this.release(leaseId, now).grants };
    }
    holder.expiresAt = now + this.leaseTtlMs;
    return { freed: false, grants: [] };
  }

  /**
   * The earliest time something is due: a lease's expiry, the moment decaying slots make room
   * for the head of the line, or a remembered rate grant to forget. `undefined`: nothing.
   */
  nextDueAt(now: number): number | undefined {
    let due = Number.POSITIVE_INFINITY;
    for (const h of this.#holders.values()) due = Math.min(due, h.expiresAt);
    for (const s of this.#spent.values()) due = Math.min(due, s.until);
    const admission = this.nextAdmissionAt(now);
    if (admission !== undefined) due = Math.min(due, admission);
    return Number.isFinite(due) ? due : undefined;
  }

  /** The limit as the API shows it; `undefined` when it does not exist. */
  view(now: number): LimitView | undefined {
    const config = this.#config;
    if (config === undefined || this.#name === undefined) return undefined;
    return viewOf(this.#name, config, this.#holders.values(), this.#waiters, {
      slotsHeld: this.slotsHeld(now),
      createdAt: this.#createdAt,
      updatedAt: this.#updatedAt,
    });
  }

  #held(): number {
    let held = 0;
    for (const h of this.#holders.values()) held += h.occupy;
    return held;
  }

  #rate(): number {
    return this.#config?.slotDecayPerSecond ?? 0;
  }

  #addDecaying(occupy: number, now: number): void {
    if (this.#decay.add(occupy, now, this.#rate())) this.#changes.meta = true;
  }

  /**
   * When decaying slots make room for the head of the line (rate limits), if that is what it
   * waits for (not holders): the one due time an in-process host needs a timer for.
   */
  nextAdmissionAt(now: number): number | undefined {
    const config = this.#config;
    const head = this.#waiters[0];
    if (config === undefined || !config.active || head === undefined) return undefined;
    const room = config.limit - this.#held() - head.occupy;
    return decayedToAt(this.#decay.left(now, this.#rate()), room, now, this.#rate());
  }

  /** Grants a waiter or a request; a rate grant is remembered (for a woken run to ask again). */
  #grant(waiter: BookWaiter, now: number): Grant {
    const ttlMs = this.leaseTtlMs;
    this.#changes.lease(waiter.leaseId);
    if (waiter.kind === "rate") {
      this.#addDecaying(waiter.occupy, now);
      const keep = Number.isFinite(ttlMs) ? ttlMs : DEFAULT_LEASE_TTL_MS;
      this.#spent.set(waiter.leaseId, { leaseId: waiter.leaseId, until: now + keep });
    } else {
      this.#holders.set(waiter.leaseId, holderOf(waiter, now, now + ttlMs));
    }
    return grantOf(waiter);
  }

  #waiting(position: number, now: number): SlotAnswer {
    const held = this.slotsHeld(now);
    return { status: "waiting", position, held, limit: this.#config?.limit ?? 0 };
  }
}
