/**
 * The switch that turns a concurrency limit on or off (PATCH /api/concurrency-limits/{name}
 * with `active`): an inactive limit lets everything through, unlimited.
 *
 * @module
 */

import { api } from "../api/client.ts";
import type { ConcurrencyLimit } from "../api/types.ts";
import { ApiSwitch } from "../components/api_switch.tsx";

/**
 * The switch, with the API's message if it refuses.
 *
 * @example
 * ```tsx
 * <ActiveSwitch limit={limit} onChanged={(next) => data.set(next)} />
 * ```
 */
export function ActiveSwitch(props: {
  limit: ConcurrencyLimit;
  onChanged(next: ConcurrencyLimit): void;
}) {
  const l = props.limit;
  return (
    <ApiSwitch
      on={l.active}
      label={`Limit ${l.name} active`}
      text={l.active ? "Active" : "Inactive"}
      title={
        l.active
          ? "Active: runs and task runs wait for its slots. Switch off to let everything through."
          : "Inactive: nothing waits for it. Switch on to enforce it."
      }
      testId="active-state"
      flip={() => api.updateConcurrencyLimit(l.name, { active: !l.active })}
      onChanged={props.onChanged}
    />
  );
}
