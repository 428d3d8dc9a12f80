/**
 * The switch that pauses or resumes a deployment (POST /api/deployments/{id}/pause|resume):
 * on means its schedules create runs. Pausing deletes the runs it had scheduled that have not
 * started; resuming schedules again from now (the Worker's scheduler does both).
 *
 * @module
 */

import { api } from "../api/client.ts";
import type { Deployment } from "../api/types.ts";
import { ApiSwitch } from "../components/api_switch.tsx";

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
  return (
    <ApiSwitch
      on={!d.paused}
      label={`Schedules of ${d.flowName}/${d.name} active`}
      text={d.paused ? "Paused" : "Active"}
      title={
        d.paused
          ? "Paused: its schedules create no runs. Switch on to schedule again from now."
          : "Active: its schedules create runs. Switch off to pause it and remove its scheduled runs."
      }
      testId="paused-state"
      flip={() => (d.paused ? api.resumeDeployment(d.id) : api.pauseDeployment(d.id))}
      onChanged={props.onChanged}
    />
  );
}
