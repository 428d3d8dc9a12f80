/**
 * Reading concurrency limits for people: which deployment a `deployment:<id>[:<key>]` limit
 * belongs to, how full a limit is, which form input an API error names, and the form's text
 * read as the API's numbers. Pure functions, unit-tested in limits.test.ts.
 *
 * @module
 */

/** The prefixes of the limits Weir declares (protocol/concurrency.ts). */
const DEPLOYMENT_PREFIX = "deployment:";
const FLOW_PREFIX = "flow:";

/** A deployment's limit, read from its name. */
export interface DeploymentLimitName {
  readonly deploymentId: string;
  /** The value of the deployment's `concurrencyKey` parameter; null for the whole deployment. */
  readonly key: string | null;
}

/** A flow's limit (its `concurrency` option), read from its name. */
export interface FlowLimitName {
  readonly flowName: string;
  /** The key's value for a keyed limit; null for the whole flow. */
  readonly key: string | null;
}

/** `<prefix><owner>[:<key>]`: the owner ends at the first ':' (the key may hold more). */
function split(name: string, prefix: string): { owner: string; key: string | null } | undefined {
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  const colon = rest.indexOf(":");
  const owner = colon === -1 ? rest : rest.slice(0, colon);
  if (owner === "") return undefined;
  return { owner, key: colon === -1 ? null : rest.slice(colon + 1) };
}

/**
 * The deployment a limit belongs to, or undefined for any other limit. Deployment ids hold no
 * ':', so the first ':' after the prefix starts the key (which may hold more).
 *
 * @example
 * ```ts
 * deploymentOfLimit("deployment:0b7a:customer:42"); // { deploymentId: "0b7a", key: "customer:42" }
 * deploymentOfLimit("db"); // undefined
 * ```
 */
export function deploymentOfLimit(name: string): DeploymentLimitName | undefined {
  const parts = split(name, DEPLOYMENT_PREFIX);
  return parts === undefined ? undefined : { deploymentId: parts.owner, key: parts.key };
}

/**
 * The flow a limit belongs to (`flow:<name>[:<key>]`), or undefined for any other limit.
 *
 * @example
 * ```ts
 * flowOfLimit("flow:customer-sync:acme"); // { flowName: "customer-sync", key: "acme" }
 * ```
 */
export function flowOfLimit(name: string): FlowLimitName | undefined {
  const parts = split(name, FLOW_PREFIX);
  return parts === undefined ? undefined : { flowName: parts.owner, key: parts.key };
}

/**
 * Whether a limit is a deployment's own (`deployment:<id>`) or one of its keyed limits.
 *
 * @example
 * ```ts
 * isLimitOfDeployment("deployment:d1:acme", "d1"); // true
 * ```
 */
export function isLimitOfDeployment(name: string, deploymentId: string): boolean {
  return deploymentOfLimit(name)?.deploymentId === deploymentId;
}

/**
 * How full a limit is, 0 to 1, for the bar (a limit of 0 with nothing held is empty; a
 * lowered limit with more held than it allows is full).
 *
 * @example
 * ```ts
 * fullness(1, 2); // 0.5
 * ```
 */
export function fullness(held: number, limit: number): number {
  if (held <= 0) return 0;
  if (limit <= 0) return 1;
  return Math.min(1, held / limit);
}

/**
 * Slots held as people count them: whole slots, a rate limit's decaying ones rounded up
 * (as the "2/2 slots held" message counts them).
 *
 * @example
 * ```ts
 * slotsText(1.2, 3); // "2/3"
 * ```
 */
export function slotsText(held: number, limit: number): string {
  return `${Math.max(0, Math.ceil(held - 1e-9))}/${limit}`;
}

/** The inputs of the limit forms. */
export type LimitField = "name" | "limit" | "active" | "slotDecayPerSecond";

const FIELDS: readonly LimitField[] = ["name", "limit", "active", "slotDecayPerSecond"];

/**
 * The input an API error's `field` names (`limit`, `body.limit`…), or undefined when it names
 * none of them (the message then goes above the form).
 *
 * @example
 * ```ts
 * limitFieldOf("slotDecayPerSecond"); // "slotDecayPerSecond"
 * ```
 */
export function limitFieldOf(field: string | undefined): LimitField | undefined {
  if (field === undefined || field === "") return undefined;
  const last = field.split(".").pop() ?? "";
  return FIELDS.find((f) => f === last);
}

/**
 * The text of a number input as the API's number: the number when it is one, otherwise the
 * text itself, so the API's 422 names the field (the UI does not second-guess its rules);
 * undefined when empty and `optional`.
 *
 * @example
 * ```ts
 * numberOf("2"); // 2
 * numberOf("two"); // "two" (the API answers 422 on the field)
 * numberOf("", true); // undefined
 * ```
 */
export function numberOf(text: string, optional = false): number | string | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return optional ? undefined : trimmed;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : trimmed;
}

/**
 * A decay rate in words: "—" for a plain concurrency limit, "rate limit: 0.5 slots/s".
 *
 * @example
 * ```ts
 * decayText(2); // "rate limit: 2 slots/s"
 * ```
 */
export function decayText(slotDecayPerSecond: number): string {
  if (slotDecayPerSecond <= 0) return "—";
  const n = Number(slotDecayPerSecond.toPrecision(6));
  return `rate limit: ${n} ${n === 1 ? "slot" : "slots"}/s`;
}
