/**
 * A limit object's book in its SQLite storage: loaded once per wake, and after every change
 * the rows the change touched are written in one transaction with the grants it made (so a
 * grant is never stored without its outbox row, nor the other way round).
 *
 * @module
 */

import {
  type BookState,
  type Grant,
  LimitBook,
  type LimitConfig,
} from "../../runtime/limits/book.ts";
import type { BookHolder, BookWaiter, SpentLease } from "../../runtime/limits/book_types.ts";
import type { GrantOutbox } from "./grant_outbox.ts";

/** The `book` meta row: the book's state without its leases. */
interface BookMeta {
  readonly name: string | undefined;
  readonly config: LimitConfig | undefined;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly decaying: number;
  readonly decayingAt: number;
  readonly nextSeq: number;
}

/**
 * Loads and stores one limit's book.
 *
 * @example
 * ```ts
 * const store = new LimitStore(ctx.storage, outbox);
 * const book = store.load(60_000);
 * const { grants } = book.release(leaseId, now);
 * store.commit(book, grants, now + 1000);
 * ```
 */
export class LimitStore {
  constructor(
    readonly storage: DurableObjectStorage,
    readonly outbox: GrantOutbox,
  ) {}

  /** The stored book (an empty one for a new object), with leases that live `leaseTtlMs`. */
  load(leaseTtlMs: number): LimitBook {
    const sql = this.storage.sql;
    const metaRow = sql
      .exec<{ value: string }>("SELECT value FROM meta WHERE key = 'book'")
      .toArray()[0];
    if (metaRow === undefined) return new LimitBook({ leaseTtlMs });
    const meta = JSON.parse(metaRow.value) as BookMeta;
    const holders: BookHolder[] = [];
    const waiters: BookWaiter[] = [];
    const spent: SpentLease[] = [];
    for (const row of sql.exec<{ state: string; record: string }>(
      "SELECT state, record FROM leases ORDER BY seq",
    )) {
      const record: unknown = JSON.parse(row.record);
      if (row.state === "held") holders.push(record as BookHolder);
      else if (row.state === "waiting") waiters.push(record as BookWaiter);
      else spent.push(record as SpentLease);
    }
    const state: BookState = { ...meta, holders, waiters, spent };
    return new LimitBook({ state, leaseTtlMs });
  }

  /**
   * Writes what the book changed and queues `grants` for delivery from `deliverAt`, in one
   * transaction. Answers whether the limit's configuration changed (its catalogue row must
   * follow; the `catalogue` flag is set in the same transaction).
   */
  commit(book: LimitBook, grants: readonly Grant[], deliverAt: number): boolean {
    const changes = book.takeChanges();
    if (!changes.meta && changes.leases.length === 0 && grants.length === 0) return false;
    const sql = this.storage.sql;
    this.storage.transactionSync(() => {
      if (changes.meta) {
        const { holders: _h, waiters: _w, spent: _s, ...meta } = book.state();
        sql.exec(
          "INSERT OR REPLACE INTO meta (key, value) VALUES ('book', ?)",
          JSON.stringify(meta satisfies BookMeta),
        );
      }
      if (changes.config) {
        sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('catalogue', 'dirty')");
      }
      for (const leaseId of changes.leases) {
        const lease = book.lease(leaseId);
        if (lease === undefined) {
          sql.exec("DELETE FROM leases WHERE lease_id = ?", leaseId);
          continue;
        }
        const record =
          lease.state === "held"
            ? lease.holder
            : lease.state === "waiting"
              ? lease.waiter
              : lease.spent;
        const seq = lease.state === "waiting" ? lease.waiter.seq : 0;
        sql.exec(
          "INSERT OR REPLACE INTO leases (lease_id, state, seq, record) VALUES (?, ?, ?, ?)",
          leaseId,
          lease.state,
          seq,
          JSON.stringify(record),
        );
      }
      for (const grant of grants) this.outbox.add(grant.leaseId, grant.runId, deliverAt);
    });
    return changes.config;
  }

  /** Whether D1's catalogue row lags behind the limit. */
  catalogueDirty(): boolean {
    return this.storage.sql.exec("SELECT 1 FROM meta WHERE key = 'catalogue'").toArray().length > 0;
  }

  /** D1's catalogue row is up to date. */
  catalogueClean(): void {
    this.storage.sql.exec("DELETE FROM meta WHERE key = 'catalogue'");
  }
}
