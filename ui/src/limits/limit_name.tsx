/**
 * A limit's name, linked to its page; for a deployment's limit (`deployment:<id>[:<key>]`),
 * the deployment's name too, linked to the deployment's page, when the UI knows it; for a
 * flow's (`flow:<name>[:<key>]`), the flow, linked to its page.
 *
 * @module
 */

import type { Deployment } from "../api/types.ts";
import { deploymentOfLimit, flowOfLimit } from "../lib/limits.ts";
import { paths } from "../lib/routes.ts";

function Key(props: { value: string | null }) {
  if (props.value === null) return null;
  return (
    <>
      {" · key "}
      <code>{props.value}</code>
    </>
  );
}

/**
 * Which deployment or flow a limit belongs to, in words, with a link; nothing for other limits.
 *
 * @example
 * ```tsx
 * <LimitOwner name="deployment:d1:acme" deployments={byId} />
 * ```
 */
export function LimitOwner(props: {
  name: string;
  deployments: ReadonlyMap<string, Deployment> | undefined;
}) {
  const owner = deploymentOfLimit(props.name);
  if (owner === undefined) {
    const flow = flowOfLimit(props.name);
    if (flow === undefined) return null;
    return (
      <div class="muted small limit-owner" data-flow={flow.flowName}>
        Flow <a href={paths.flow(flow.flowName)}>{flow.flowName}</a>
        <Key value={flow.key} />
      </div>
    );
  }
  const d = props.deployments?.get(owner.deploymentId);
  return (
    <div class="muted small limit-owner" data-deployment={owner.deploymentId}>
      Deployment{" "}
      <a href={paths.deployment(owner.deploymentId)}>
        {d === undefined ? owner.deploymentId.slice(0, 8) : `${d.flowName} / ${d.name}`}
      </a>
      <Key value={owner.key} />
    </div>
  );
}

/**
 * The name linked to the limit's page, and its owner.
 *
 * @example
 * ```tsx
 * <LimitName name={limit.name} deployments={byId} />
 * ```
 */
export function LimitName(props: {
  name: string;
  deployments: ReadonlyMap<string, Deployment> | undefined;
}) {
  return (
    <>
      <a class="strong limit-name" href={paths.concurrencyLimit(props.name)}>
        {props.name}
      </a>
      <LimitOwner name={props.name} deployments={props.deployments} />
    </>
  );
}

/**
 * Deployments by id, for {@link LimitName}.
 *
 * @example
 * ```ts
 * const byId = deploymentsById(list.data?.deployments);
 * ```
 */
export function deploymentsById(
  deployments: readonly Deployment[] | undefined,
): ReadonlyMap<string, Deployment> | undefined {
  return deployments === undefined ? undefined : new Map(deployments.map((d) => [d.id, d]));
}
