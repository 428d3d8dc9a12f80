/**
 * Concurrency limits for runs in this process (Deno, Node, a browser, tests): one
 * {@link LimitBook} per limit, held in memory, with waiters' `onGrant` callbacks called the
 * moment they are granted. A rate limit's waiters are admitted by a timer on the injected
 * clock when enough slots have decayed, so tests drive it with a fake clock.
 *
 * Leases never expire here: their holders live in this process, and a process that dies
 * takes its limits with it.
 *
 * @module
 */

import { type Clock, systemClock } from "../clock.ts";
import { type Grant, LimitBook, type LimitView } from "./book.ts";
import type { ConcurrencyPort, SlotAnswer, SlotRequest } from "./port.ts";

/** What `InMemoryConcurrency` takes. */
export interface InMemoryConcurrencyOptions {
  /** Time, and the timers that admit a rate limit's waiters (default: the system clock). */
  readonly clock?: Clock;
}

/** A limit's settings as code sets them with `set()`. */
export interface LimitSettings {
  readonly limit: number;
  /** Slots freed per second after release (a rate limit); default 0. */
  readonly slotDecayPerSecond?: number;
  /** Default true. */
  readonly active?: boolean;
}

interface Timer {
  readonly at: number;
  readonly abort: AbortController;
}

/**
 * The in-process {@link ConcurrencyPort}.
 *
 * @example
 * ```ts
 * const limits = new InMemoryConcurrency();
 * limits.set("db", { limit: 2 });
 * await etl.run(params, { limits });
 * limits.view("db")?.slotsHeld; // 0
 * ```
 */
export class InMemoryConcurrency implements ConcurrencyPort {
  readonly #clock: Clock;
  readonly #books = new Map<string, LimitBook>();
  /** Waiters' callbacks, by limit, then lease id. */
  readonly #waiting = new Map<string, Map<string, (leaseId: string) => void>>();
  readonly #timers = new Map<string, Timer>();

  constructor(options: InMemoryConcurrencyOptions = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  existing(names: readonly string[]): ReadonlySet<string> {
    return new Set(names.filter((name) => this.#books.get(name)?.config?.active === true));
  }

  acquire(request: SlotRequest, onGrant: (leaseId: string) => void): Promise<SlotAnswer> {
    const book = this.#book(request.limit);
    const { answer, grants } = book.acquire(request, this.#clock.now());
    if (answer.status === "waiting") {
      const callbacks = this.#waiting.get(request.limit) ?? new Map();
      callbacks.set(request.leaseId, onGrant);
      this.#waiting.set(request.limit, callbacks);
    }
    this.#after(request.limit, book, grants);
    return Promise.resolve(answer);
  }

  release(limit: string, leaseId: string): Promise<void> {
    const book = this.#books.get(limit);
    if (book !== undefined) {
      this.#waiting.get(limit)?.delete(leaseId);
      this.#after(limit, book, book.release(leaseId, this.#clock.now()).grants);
    }
    return Promise.resolve();
  }

  /**
   * Creates limit `name` or changes it (raising it admits waiters at once).
   *
   * @example
   * ```ts
   * limits.set("api", { limit: 10, slotDecayPerSecond: 5 }); // a rate limit: 5 calls a second
   * ```
   */
  set(name: string, settings: LimitSettings): LimitView {
    const book = this.#book(name);
    const now = this.#clock.now();
    const config = {
      limit: settings.limit,
      active: settings.active ?? true,
      slotDecayPerSecond: settings.slotDecayPerSecond ?? 0,
    };
    const grants = book.create(name, config, now)
      ? []
      : (book.configure(config, now)?.grants ?? []);
    this.#after(name, book, grants);
    return book.view(now) as LimitView;
  }

  /**
   * Limit `name` with its holders and waiters, shaped as the API's `ConcurrencyLimit`.
   *
   * @example
   * ```ts
   * const { holders, waiters } = limits.view("db") ?? { holders: [], waiters: [] };
   * ```
   */
  view(name: string): LimitView | undefined {
    return this.#books.get(name)?.view(this.#clock.now());
  }

  /**
   * Every limit, by name.
   *
   * @example
   * ```ts
   * for (const limit of limits.list()) console.log(limit.name, limit.slotsHeld);
   * ```
   */
  list(): LimitView[] {
    const now = this.#clock.now();
    return [...this.#books.values()]
      .map((book) => book.view(now))
      .filter((v): v is LimitView => v !== undefined)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Frees every slot of limit `name` and admits its waiters in order.
   *
   * @example
   * ```ts
   * limits.reset("db");
   * ```
   */
  reset(name: string): LimitView | undefined {
    const book = this.#books.get(name);
    if (book?.config === undefined) return undefined;
    this.#after(name, book, book.reset(this.#clock.now()).grants);
    return this.view(name);
  }

  /**
   * Deletes limit `name`: every waiter is granted. `false` when there was no such limit.
   *
   * @example
   * ```ts
   * limits.remove("db");
   * ```
   */
  remove(name: string): boolean {
    const book = this.#books.get(name);
    if (book === undefined) return false;
    const { removed, grants } = book.remove(this.#clock.now());
    this.#books.delete(name);
    this.#after(name, book, grants);
    return removed;
  }

  #book(name: string): LimitBook {
    let book = this.#books.get(name);
    if (book === undefined) {
      book = new LimitBook({ leaseTtlMs: Number.POSITIVE_INFINITY });
      this.#books.set(name, book);
    }
    return book;
  }

  /** Tells the granted waiters, and sets the timer for the next decay admission. */
  #after(name: string, book: LimitBook, grants: readonly Grant[]): void {
    book.takeChanges(); // nothing to store in memory
    this.#arm(name, book);
    const callbacks = this.#waiting.get(name);
    for (const grant of grants) {
      const onGrant = callbacks?.get(grant.leaseId);
      callbacks?.delete(grant.leaseId);
      try {
        onGrant?.(grant.leaseId);
      } catch (error) {
        // One waiter's failure must not keep the others from their slots.
        console.error(`weir: a grant of concurrency limit '${name}' failed`, error);
      }
    }
    if (callbacks?.size === 0) this.#waiting.delete(name);
  }

  #arm(name: string, book: LimitBook): void {
    const at = this.#books.get(name) === book ? book.nextAdmissionAt(this.#clock.now()) : undefined;
    const current = this.#timers.get(name);
    if (current?.at === at) return;
    current?.abort.abort();
    this.#timers.delete(name);
    if (at === undefined) return;
    const timer: Timer = { at, abort: new AbortController() };
    this.#timers.set(name, timer);
    this.#clock.sleepUntil(at, timer.abort.signal).then(
      () => {
        if (this.#timers.get(name) !== timer) return;
        this.#timers.delete(name);
        this.#after(name, book, book.admit(this.#clock.now()));
      },
      () => {}, // aborted: a newer timer replaced it
    );
  }
}
