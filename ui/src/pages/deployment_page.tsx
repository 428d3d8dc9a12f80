/**
 * A deployment: pause/resume, Quick run and Custom run; its description, details and default
 * parameters; its schedules (add, edit with a preview of the next times, activate or
 * deactivate, delete); its upcoming runs (Scheduled and Late, soonest first) and recent runs.
 * The run lists refresh every few seconds while the page is on screen, since the scheduler
 * creates and starts runs by itself.
 *
 * @module
 */

import { useEffect, useState } from "preact/hooks";
import { api } from "../api/client.ts";
import type { Deployment, RunPage } from "../api/types.ts";
import { Card, ErrorBox, Json, Loading, Tags, When } from "../components/common.tsx";
import { RunsTable } from "../components/runs_table.tsx";
import { type Async, useAsync } from "../components/use_async.ts";
import { DeploymentConcurrency, DeploymentLimits } from "../deployment/concurrency_card.tsx";
import { PauseSwitch } from "../deployment/pause_switch.tsx";
import { CustomRun, QuickRun } from "../deployment/run_buttons.tsx";
import { ScheduleList } from "../deployment/schedule_list.tsx";
import { isLimitOfDeployment } from "../lib/limits.ts";
import { paths } from "../lib/routes.ts";

/** How often the run lists refresh while the page is visible. */
const REFRESH_MS = 5000;

/** How many runs each list shows. */
const SHOWN = 10;

const CATCH_UP_WORDS = {
  skip: "skip: after downtime, only future runs",
  latest: "latest: after downtime, run the most recent missed one",
  all: "all: after downtime, run every missed one (up to 100)",
} as const;

/** Reloads the lists every few seconds while the tab is visible. */
function useRefresh(lists: readonly Async<unknown>[]): void {
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") for (const list of lists) list.reload();
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
}

function Upcoming(props: { runs: Async<RunPage> }) {
  const { runs } = props;
  if (runs.error !== undefined) return <ErrorBox error={runs.error} />;
  if (runs.data === undefined) return <Loading what="upcoming runs" />;
  const soonest = [...runs.data.runs]
    .sort((a, b) => (a.scheduledAt ?? a.createdAt) - (b.scheduledAt ?? b.createdAt))
    .slice(0, SHOWN);
  if (soonest.length === 0) return <p class="empty">No runs are scheduled.</p>;
  return <RunsTable runs={soonest} showFlow={false} />;
}

function Recent(props: { runs: Async<RunPage> }) {
  const { runs } = props;
  if (runs.error !== undefined) return <ErrorBox error={runs.error} />;
  if (runs.data === undefined) return <Loading what="recent runs" />;
  // Scheduled runs are listed above; this list is what ran or runs.
  const recent = runs.data.runs.filter((r) => r.state.type !== "SCHEDULED").slice(0, SHOWN);
  if (recent.length === 0) return <p class="empty">This deployment has not run yet.</p>;
  return <RunsTable runs={recent} showFlow={false} />;
}

function Details(props: { deployment: Deployment }) {
  const d = props.deployment;
  return (
    <dl class="facts">
      <dt>Flow</dt>
      <dd>
        <a href={paths.flow(d.flowName)}>{d.flowName}</a>
      </dd>
      <dt>Version</dt>
      <dd>{d.version ?? "—"}</dd>
      <dt>Catch-up</dt>
      <dd>{CATCH_UP_WORDS[d.catchUp] ?? d.catchUp}</dd>
      <dt>Declared</dt>
      <dd>{d.source === "code" ? "in the Worker's code" : "over the API"}</dd>
      <dt>Tags</dt>
      <dd>{d.tags.length === 0 ? "—" : <Tags tags={d.tags} />}</dd>
      <dt>Updated</dt>
      <dd>
        <When at={d.updatedAt} />
      </dd>
    </dl>
  );
}

/**
 * The deployment page.
 *
 * @example
 * ```tsx
 * <DeploymentPage id={deployment.id} />
 * ```
 */
export function DeploymentPage(props: { id: string }) {
  const deployment = useAsync(() => api.deployment(props.id), [props.id]);
  const upcoming = useAsync(
    () => api.deploymentRuns(props.id, `state=SCHEDULED&limit=${SHOWN}`),
    [props.id],
  );
  const recent = useAsync(
    () => api.runs(new URLSearchParams({ deployment: props.id, limit: "50" }).toString()),
    [props.id],
  );
  // Its `deployment:<id>` limits (one per key value when keyed), holders and waiters live.
  const limits = useAsync(() => api.concurrencyLimits(), []);
  useRefresh([upcoming, recent, limits]);
  const [custom, setCustom] = useState(false);
  const reloadAll = () => {
    deployment.reload();
    upcoming.reload();
    recent.reload();
    limits.reload();
  };
  const mine = limits.data?.limits.filter((l) => isLimitOfDeployment(l.name, props.id));
  const d = deployment.data;
  return (
    <div class="page">
      <nav class="breadcrumbs" aria-label="Breadcrumbs">
        <a href={paths.deployments()}>Deployments</a> /{" "}
        <span>{d === undefined ? props.id : `${d.flowName} / ${d.name}`}</span>
      </nav>
      {deployment.error !== undefined && <ErrorBox error={deployment.error} />}
      {d === undefined && deployment.error === undefined && <Loading what="the deployment" />}
      {d !== undefined && (
        <>
          <header class="page-header deployment-header">
            <h1>
              <span class="muted">{d.flowName} /</span> {d.name}
            </h1>
            {d.version !== null && <span class="pill">version {d.version}</span>}
            <PauseSwitch
              deployment={d}
              onChanged={(next) => {
                deployment.set(next);
                upcoming.reload();
              }}
            />
            <div class="spacer" />
            <div class="header-actions">
              <button
                type="button"
                class="button"
                aria-expanded={custom}
                onClick={() => setCustom((open) => !open)}
              >
                Custom run
              </button>
              <QuickRun deployment={d} />
            </div>
          </header>
          {d.description !== null && d.description !== "" && (
            <p class="lead deployment-description">{d.description}</p>
          )}
          {custom && (
            <Card title="Custom run" class="custom-run">
              <CustomRun deployment={d} />
            </Card>
          )}
          <div class="columns">
            <Card title="Schedules" class="grow schedules-card">
              <ScheduleList deployment={d} onChanged={reloadAll} />
            </Card>
            <div class="side stack-cards">
              <Card title="Details">
                <Details deployment={d} />
              </Card>
              <Card title="Concurrency" class="deployment-concurrency">
                <DeploymentConcurrency
                  deployment={d}
                  onChanged={(next) => {
                    deployment.set(next);
                    limits.reload();
                  }}
                />
              </Card>
              <Card title="Default parameters">
                {Object.keys(d.parameters).length === 0 ? (
                  <p class="muted">None: the flow's own defaults apply.</p>
                ) : (
                  <Json value={d.parameters} />
                )}
              </Card>
            </div>
          </div>
          {((mine !== undefined && mine.length > 0) || limits.error !== undefined) && (
            <Card
              title="Concurrency slots"
              class="deployment-slots"
              actions={
                <a class="button small" href={paths.concurrencyLimits()}>
                  All limits
                </a>
              }
            >
              <DeploymentLimits limits={mine} error={limits.error} />
            </Card>
          )}
          <Card
            title={
              upcoming.data === undefined || upcoming.data.count <= SHOWN
                ? "Upcoming runs"
                : `Upcoming runs (next ${SHOWN} of ${upcoming.data.count})`
            }
            class="upcoming-runs"
            actions={
              <button type="button" class="button small" onClick={reloadAll}>
                Refresh
              </button>
            }
          >
            <Upcoming runs={upcoming} />
          </Card>
          <Card
            title="Recent runs"
            class="recent-runs"
            actions={
              <a class="button small" href={paths.deploymentRuns(d.id)}>
                All runs
              </a>
            }
          >
            <Recent runs={recent} />
          </Card>
        </>
      )}
    </div>
  );
}
