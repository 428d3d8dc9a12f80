/**
 * Deployments: every deployment (declared in code or created over the API), with its
 * schedules in words, when it runs next, a switch that pauses or resumes it, and its tags.
 * Stacked as cards on phones, like the runs list.
 *
 * @module
 */

import { api } from "../api/client.ts";
import type { Deployment } from "../api/types.ts";
import { ErrorBox, Loading, Tags, When } from "../components/common.tsx";
import { useAsync } from "../components/use_async.ts";
import { PauseSwitch } from "../deployment/pause_switch.tsx";
import { scheduleWords } from "../deployment/words.ts";
import { formatTime } from "../lib/format.ts";
import { paths } from "../lib/routes.ts";
import { nextRunOf, specText } from "../lib/schedules.ts";

function Schedules(props: { deployment: Deployment }) {
  const { schedules } = props.deployment;
  if (schedules.length === 0) return <span class="muted">Not scheduled</span>;
  return (
    <ul class="plain-list">
      {schedules.map((s) => (
        <li
          key={s.id}
          class={s.active ? undefined : "muted"}
          title={specText(s.schedule)}
          data-schedule={s.id}
        >
          {scheduleWords(s.schedule)}
          {!s.active && <span class="pill small">inactive</span>}
        </li>
      ))}
    </ul>
  );
}

function NextRun(props: { deployment: Deployment }) {
  const next = nextRunOf(props.deployment);
  if (next === null) {
    return <span class="muted">{props.deployment.paused ? "paused" : "—"}</span>;
  }
  return (
    <span class="next-run">
      <When at={next} /> <span class="muted small">{formatTime(next)}</span>
    </span>
  );
}

/**
 * The deployments page.
 *
 * @example
 * ```tsx
 * <DeploymentsPage />
 * ```
 */
export function DeploymentsPage() {
  const list = useAsync(() => api.deployments(), []);
  const deployments = [...(list.data?.deployments ?? [])].sort(
    (a, b) => a.flowName.localeCompare(b.flowName) || a.name.localeCompare(b.name),
  );
  const replace = (next: Deployment) => {
    if (list.data === undefined) return;
    list.set({
      deployments: list.data.deployments.map((d) => (d.id === next.id ? next : d)),
    });
  };
  return (
    <div class="page">
      <header class="page-header">
        <h1>Deployments</h1>
        {list.data !== undefined && (
          <span class="count" data-testid="deployment-count">
            {deployments.length} {deployments.length === 1 ? "deployment" : "deployments"}
          </span>
        )}
        <div class="spacer" />
        <button type="button" class="button small" onClick={list.reload}>
          Refresh
        </button>
      </header>
      {list.error !== undefined && <ErrorBox error={list.error} />}
      {list.data === undefined && list.error === undefined && <Loading what="deployments" />}
      {list.data !== undefined && deployments.length === 0 && (
        <p class="empty">
          No deployments yet. Declare them next to a flow with <code>deployment(flow, …)</code> and
          pass them to <code>createWeirWorker({"{ flows, deployments }"})</code>, or create one with{" "}
          <code>POST /api/deployments</code>.
        </p>
      )}
      {deployments.length > 0 && (
        <div class="table-wrap">
          <table class="table stack deployments-table">
            <thead>
              <tr>
                <th>Deployment</th>
                <th>Schedule</th>
                <th>Next run</th>
                <th>Active</th>
              </tr>
            </thead>
            <tbody>
              {deployments.map((d) => (
                <tr key={d.id} data-deployment={d.id} data-paused={String(d.paused)}>
                  <td data-col="main">
                    <a class="strong" href={paths.deployment(d.id)}>
                      <span class="muted">{d.flowName} /</span> {d.name}
                    </a>
                    <Tags tags={d.tags} />
                    {d.description !== null && d.description !== "" && (
                      <div class="muted small clamp">{d.description}</div>
                    )}
                  </td>
                  <td data-label="Schedule" data-col="wide">
                    <Schedules deployment={d} />
                  </td>
                  <td data-label="Next run" data-col="wide">
                    <NextRun deployment={d} />
                  </td>
                  <td data-col="state">
                    <PauseSwitch deployment={d} onChanged={replace} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
