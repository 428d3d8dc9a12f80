/**
 * The switch that pauses or resumes a deployment (POST /api/deployments/{id}/pause|resume):
 * on means its schedules create runs. Pausing deletes the runs it had scheduled that have not
 * started; resuming schedules again from now (the Worker's scheduler does both).
 *
 * @module
 */

import { useState } from "preact/hooks";
import { api, errorMessage } from "../api/client.ts";
import type { Deployment } from "../api/types.ts";

/**
 * The switch, with the deployment's state in words and the API's message if it refuses.
 *
 * @example
 * ```tsx
 * <PauseSwitch deployment={d} onChanged={(next) => list.reload()} />
 * ```
 */
export function PauseSwitch(props: { deployment: Deployment; onChanged(next: Deployment): void }) {
  const d = props.deployment;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  async function toggle(event: Event) {
    // The checkbox shows what the API says, not the click: put it back until it answers.
    (event.currentTarget as HTMLInputElement).checked = !d.paused;
    setBusy(true);
    setError(undefined);
    try {
      props.onChanged(
        d.paused ? await api.resumeDeployment(d.id) : await api.pauseDeployment(d.id),
      );
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
          d.paused
            ? "Paused: its schedules create no runs. Switch on to schedule again from now."
            : "Active: its schedules create runs. Switch off to pause it and remove its scheduled runs."
        }
      >
        <input
          type="checkbox"
          role="switch"
          name="active"
          checked={!d.paused}
          aria-checked={!d.paused}
          disabled={busy}
          aria-label={`Schedules of ${d.flowName}/${d.name} active`}
          onChange={toggle}
        />
        <span class="switch-track" aria-hidden="true" />
        <span class="switch-text" data-testid="paused-state">
          {d.paused ? "Paused" : "Active"}
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
