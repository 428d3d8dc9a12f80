/**
 * Parsing the numbers the concurrency commands take (a limit, a decay rate), so a mistyped
 * one is a usage error naming the argument rather than a request the API refuses.
 *
 * @module
 */

import type { Command } from "commander";
import { UsageError } from "./usage_error.ts";

/** The largest limit the API accepts (protocol/concurrency.ts MAX_LIMIT). */
const MAX_LIMIT = 1_000_000;

/**
 * A limit: a whole number from 0 to 1,000,000.
 *
 * @example
 * ```ts
 * parseLimit("3", "LIMIT"); // 3
 * parseLimit("2.5", "--limit"); // throws UsageError
 * ```
 */
export function parseLimit(text: string, what: string): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value > MAX_LIMIT) {
    throw new UsageError(`${what} must be a whole number from 0 to ${MAX_LIMIT}; got '${text}'`);
  }
  return value;
}

/**
 * A decay rate in slots per second: a number 0 or more (0.5 frees a slot every 2 s).
 *
 * @example
 * ```ts
 * parseDecay("0.5"); // 0.5
 * ```
 */
export function parseDecay(text: string): number {
  const value = text.trim() === "" ? Number.NaN : Number(text);
  if (!Number.isFinite(value) || value < 0) {
    throw new UsageError(
      `--slot-decay-per-second must be a number 0 or more (slots freed per second); got '${text}'`,
    );
  }
  return value;
}

/** Strategies a deployment's limit takes. */
export const COLLISION_STRATEGIES = ["ENQUEUE", "CANCEL_NEW"] as const;

/**
 * A collision strategy, in any case (`cancel_new`).
 *
 * @example
 * ```ts
 * parseStrategy("cancel_new"); // "CANCEL_NEW"
 * ```
 */
export function parseStrategy(text: string): (typeof COLLISION_STRATEGIES)[number] {
  const upper = text.toUpperCase().replace(/-/g, "_");
  const found = COLLISION_STRATEGIES.find((s) => s === upper);
  if (found === undefined) {
    throw new UsageError(
      `--collision-strategy must be one of ${COLLISION_STRATEGIES.join(", ")}; got '${text}'`,
    );
  }
  return found;
}

/** The concurrency options of `weir deployment create|update` as commander gives them. */
export interface DeploymentLimitOptions {
  /** A number, or false from `--no-concurrency-limit`. */
  concurrencyLimit?: string | false;
  collisionStrategy?: string;
  /** A parameter, or false from `--no-concurrency-key`. */
  concurrencyKey?: string | false;
}

/**
 * The deployment body's concurrency fields from the options given (none when none is).
 *
 * @example
 * ```ts
 * deploymentLimitFields({ concurrencyLimit: "2", collisionStrategy: "cancel_new" });
 * // { concurrencyLimit: 2, collisionStrategy: "CANCEL_NEW" }
 * ```
 */
export function deploymentLimitFields(opts: DeploymentLimitOptions): {
  concurrencyLimit?: number | null;
  collisionStrategy?: (typeof COLLISION_STRATEGIES)[number];
  concurrencyKey?: string | null;
} {
  return {
    ...(opts.concurrencyLimit === undefined
      ? {}
      : {
          concurrencyLimit:
            opts.concurrencyLimit === false
              ? null
              : parseLimit(opts.concurrencyLimit, "--concurrency-limit"),
        }),
    ...(opts.collisionStrategy === undefined
      ? {}
      : { collisionStrategy: parseStrategy(opts.collisionStrategy) }),
    ...(opts.concurrencyKey === undefined
      ? {}
      : { concurrencyKey: opts.concurrencyKey === false ? null : opts.concurrencyKey }),
  };
}

/**
 * The deployment's limit in words, for `inspect` and `update`.
 *
 * @example
 * ```ts
 * deploymentLimitText({ concurrencyLimit: 2, collisionStrategy: "ENQUEUE", concurrencyKey: "customer" });
 * // "2 runs at once per value of customer (others wait)"
 * ```
 */
export function deploymentLimitText(d: {
  readonly concurrencyLimit: number | null;
  readonly collisionStrategy: string;
  readonly concurrencyKey: string | null;
}): string {
  if (d.concurrencyLimit === null) return "none";
  const per = d.concurrencyKey === null ? "" : ` per value of ${d.concurrencyKey}`;
  const over = d.collisionStrategy === "CANCEL_NEW" ? "others are cancelled" : "others wait";
  return `${d.concurrencyLimit} run${d.concurrencyLimit === 1 ? "" : "s"} at once${per} (${over})`;
}

/**
 * Adds the concurrency options of a deployment to `create` or `update`.
 *
 * @example
 * ```ts
 * addDeploymentLimitOptions(dep.command("create"), false);
 * ```
 */
export function addDeploymentLimitOptions(cmd: Command, removable: boolean): Command {
  cmd
    .option("--concurrency-limit <n>", "at most this many of its runs at once")
    .option(
      "--collision-strategy <strategy>",
      `a run over the limit: ${COLLISION_STRATEGIES.join(" (waits in line) or ")} (is cancelled)`,
    )
    .option(
      "--concurrency-key <parameter>",
      "apply the limit per value of this parameter (a name or dotted path, such as customer.id)",
    );
  if (removable) {
    cmd
      .option("--no-concurrency-limit", "remove the limit (its waiting runs start)")
      .option("--no-concurrency-key", "one limit for all its runs again");
  }
  return cmd;
}
