/**
 * GET /api/health.
 *
 * @module
 */

/**
 * What GET /api/health answers: the server is up, how many flows it has, its clock.
 *
 * @example
 * ```ts
 * const health: Health = await client.health();
 * ```
 */
export interface Health {
  readonly status: "ok";
  readonly flows: number;
  readonly time: number;
}
