/**
 * The client's concurrency limit routes, as a base class of {@link DeploymentRoutes} (and so
 * of `WeirClient`), so they read as the client's own methods
 * (`client.listConcurrencyLimits()`). A limit is addressed by its name (a tag, a named limit,
 * or Weir's own `deployment:<id>[:<key>]` and `flow:<name>[:<key>]`), URL-encoded here.
 *
 * @module
 */

import type { ConcurrencyLimit, ConcurrencyLimitList } from "../protocol/concurrency.ts";

/**
 * POST /api/concurrency-limits body.
 *
 * @example
 * ```ts
 * const body: CreateConcurrencyLimitInput = { name: "database", limit: 2 };
 * ```
 */
export interface CreateConcurrencyLimitInput {
  name: string;
  /** Slots: an integer from 0 (admits nothing) to 1,000,000. */
  limit: number;
  /** Default true; an inactive limit admits everyone. */
  active?: boolean;
  /** Above 0 makes a rate limit: used slots free themselves at this rate. */
  slotDecayPerSecond?: number;
}

/**
 * PATCH /api/concurrency-limits/{name} body: any of the fields.
 *
 * @example
 * ```ts
 * const patch: UpdateConcurrencyLimitInput = { limit: 5 };
 * ```
 */
export type UpdateConcurrencyLimitInput = Partial<Omit<CreateConcurrencyLimitInput, "name">>;

/**
 * What DELETE /api/concurrency-limits/{name} answers: how many waiters it admitted.
 *
 * @example
 * ```ts
 * const { admitted } = await client.deleteConcurrencyLimit("database");
 * ```
 */
export interface DeletedConcurrencyLimit {
  readonly name: string;
  readonly deleted: true;
  readonly admitted: number;
}

const limitPath = (name: string) => `/api/concurrency-limits/${encodeURIComponent(name)}`;

/**
 * The concurrency limit routes. `WeirClient` extends this class (through DeploymentRoutes)
 * and gives it `request`.
 *
 * @example
 * ```ts
 * await client.createConcurrencyLimit({ name: "database", limit: 2 });
 * const db = await client.getConcurrencyLimit("database");
 * ```
 */
export abstract class ConcurrencyLimitRoutes {
  /** Sends one request and answers its JSON (see WeirClient.request). */
  abstract request<T>(
    method: string,
    path: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<T>;

  /**
   * GET /api/concurrency-limits: every limit, sorted by name, with holders and waiters.
   *
   * @example
   * ```ts
   * for (const l of await client.listConcurrencyLimits()) console.log(l.name, `${l.slotsHeld}/${l.limit}`);
   * ```
   */
  async listConcurrencyLimits(): Promise<readonly ConcurrencyLimit[]> {
    return (await this.request<ConcurrencyLimitList>("GET", "/api/concurrency-limits")).limits;
  }

  /**
   * GET /api/concurrency-limits/{name}.
   *
   * @example
   * ```ts
   * const { holders, waiters } = await client.getConcurrencyLimit("database");
   * ```
   */
  getConcurrencyLimit(name: string): Promise<ConcurrencyLimit> {
    return this.request("GET", limitPath(name));
  }

  /**
   * POST /api/concurrency-limits (409 when the name exists; 422 for `deployment:` and `flow:`
   * names, which Weir declares itself).
   *
   * @example
   * ```ts
   * await client.createConcurrencyLimit({ name: "openai", limit: 10, slotDecayPerSecond: 2 });
   * ```
   */
  createConcurrencyLimit(input: CreateConcurrencyLimitInput): Promise<ConcurrencyLimit> {
    return this.request("POST", "/api/concurrency-limits", input);
  }

  /**
   * PATCH /api/concurrency-limits/{name}: raising the limit admits waiters at once.
   *
   * @example
   * ```ts
   * await client.updateConcurrencyLimit("database", { limit: 4 });
   * ```
   */
  updateConcurrencyLimit(
    name: string,
    patch: UpdateConcurrencyLimitInput,
  ): Promise<ConcurrencyLimit> {
    return this.request("PATCH", limitPath(name), patch);
  }

  /**
   * DELETE /api/concurrency-limits/{name}: everyone waiting is admitted.
   *
   * @example
   * ```ts
   * await client.deleteConcurrencyLimit("database");
   * ```
   */
  deleteConcurrencyLimit(name: string): Promise<DeletedConcurrencyLimit> {
    return this.request("DELETE", limitPath(name));
  }

  /**
   * POST /api/concurrency-limits/{name}/reset: frees every slot, then admits waiters in order.
   *
   * @example
   * ```ts
   * const after = await client.resetConcurrencyLimit("database"); // after.slotsHeld: the waiters admitted
   * ```
   */
  resetConcurrencyLimit(name: string): Promise<ConcurrencyLimit> {
    return this.request("POST", `${limitPath(name)}/reset`);
  }
}
