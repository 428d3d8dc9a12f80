/**
 * The switch that turns a concurrency limit on or off (PATCH /api/concurrency-limits/{name}
 * with `active`): an inactive limit lets everything through, unlimited.
 *
 * @module
 */

import { useState } from "preact/hooks";
import { api, errorMessage } from "../api/client.ts";
import type { ConcurrencyLimit } from "../api/types.ts";

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
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  async function toggle(event: Event) {
    // The checkbox shows what the API says, not the click: put it back until it answers.
    (event.currentTarget as HTMLInputElement).checked = l.active;
    setBusy(true);
    setError(undefined);
    try {
      props.onChanged(await api.updateConcurrencyLimit(l.name, { active: !l.active }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <span class="switch-wrap">
      <label
        class="switch"
        title={
          l.active
            ? "Active: runs and task runs wait for its slots. Switch off to let everything through."
            : "Inactive: nothing waits for it. Switch on to enforce it."
        }
      >
        <input
          type="checkbox"
          role="switch"
          name="active"
          checked={l.active}
          aria-checked={l.active}
          disabled={busy}
          aria-label={`Limit ${l.name} active`}
          onChange={toggle}
        />
        <span class="switch-track" aria-hidden="true" />
        <span class="switch-text" data-testid="active-state">
          {l.active ? "Active" : "Inactive"}
        </span>
      </label>
      {error !== undefined && (
        <span class="error-text" role="alert">
          {errorMessage(error)}
        </span>
      )}
    </span>
  );
}
