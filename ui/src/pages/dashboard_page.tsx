/**
 * The dashboard, the UI's home page as in Prefect's: runs by state over the last 24 hours (or
 * the last hour, or 7 days) as counts and a stacked bar chart, the failed and crashed runs of
 * that window, the runs that are late, and the runs coming up. Kept live by polling (see
 * dashboard/use_dashboard.ts).
 *
 * @module
 */

import type { RunStats } from "../../../protocol/run_stats.ts";
import type { StateType } from "../api/types.ts";
import { Card, ErrorBox, Loading } from "../components/common.tsx";
import { RunListView } from "../dashboard/run_list.tsx";
import { StateChart } from "../dashboard/state_chart.tsx";
import { WINDOWS, type WindowName, windowFromSearch } from "../dashboard/stats_chart.ts";
import { DASHBOARD_POLL_MS, useDashboard } from "../dashboard/use_dashboard.ts";
import { STATE_TYPES, stateClass, stateTypeLabel } from "../lib/format.ts";
import { paths } from "../lib/routes.ts";
import { navigate } from "../router.ts";

/** State types shown even when none ran, so the eye finds them in the same place. */
const ALWAYS: readonly StateType[] = ["COMPLETED", "FAILED", "RUNNING", "SCHEDULED"];

function Counts(props: { stats: RunStats; window: WindowName }) {
  const { stats, window } = props;
  const types = STATE_TYPES.filter((t) => stats.totals[t] > 0 || ALWAYS.includes(t));
  return (
    <ul class="dash-counts" aria-label="Runs by state">
      <li>
        <a class="dash-count dash-total" data-count="all" href={paths.runs(`?range=${window}`)}>
          <span class="dash-count-n">{stats.count}</span>
          <span class="dash-count-label">All runs</span>
        </a>
      </li>
      {types.map((type) => (
        <li key={type}>
          <a
            class={`dash-count ${stateClass(type)}`}
            data-count={type}
            href={paths.runs(`?state=${type}&range=${window}`)}
          >
            <span class="dash-count-n">{stats.totals[type]}</span>
            <span class="dash-count-label">{stateTypeLabel(type)}</span>
          </a>
        </li>
      ))}
    </ul>
  );
}

function WindowSelect(props: { value: WindowName }) {
  return (
    <label class="filter dash-window">
      <select
        name="window"
        aria-label="Time window"
        value={props.value}
        onChange={(e) =>
          navigate(paths.dashboard(`?window=${e.currentTarget.value}`), { replace: true })
        }
      >
        {Object.entries(WINDOWS).map(([key, w]) => (
          <option key={key} value={key}>
            {w.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * The dashboard page.
 *
 * @example
 * ```tsx
 * <DashboardPage search="?window=24h" />
 * ```
 */
export function DashboardPage(props: { search: string }) {
  const window = windowFromSearch(props.search);
  const { data, error, live } = useDashboard(window);
  const label = WINDOWS[window].label.toLowerCase();
  return (
    <div class="page">
      <header class="page-header">
        <h1>Dashboard</h1>
        {data !== undefined && (
          <span
            class={`live-dot ${live ? "live-live" : "live-reconnecting"}`}
            data-testid="live-status"
            title={`The dashboard checks for changes every ${DASHBOARD_POLL_MS / 1000} s while it is on screen`}
          >
            {live ? "live" : "reconnecting…"}
          </span>
        )}
        <div class="spacer" />
        <WindowSelect value={window} />
      </header>
      {error !== undefined && <ErrorBox error={error} />}
      {data === undefined && error === undefined && <Loading what="the dashboard" />}
      {data !== undefined && (
        <>
          <Card
            title="Flow runs"
            actions={<span class="muted small">{label}, by expected start</span>}
          >
            <Counts stats={data.stats} window={window} />
            <StateChart stats={data.stats} labelEvery={WINDOWS[window].labelEvery} />
          </Card>
          <div class="dash-grid">
            <Card title={`Failed runs (${data.failed.count})`} class="dash-card" id="failed-runs">
              <RunListView
                list={data.failed}
                now={data.at}
                empty={`No run failed or crashed in the ${label}.`}
              />
            </Card>
            <Card title={`Late runs (${data.late.count})`} class="dash-card" id="late-runs">
              <RunListView list={data.late} now={data.at} empty="No run is late." />
            </Card>
            <Card
              title={`Upcoming runs (${data.upcoming.count})`}
              class="dash-card"
              id="upcoming-runs"
            >
              <RunListView
                list={data.upcoming}
                now={data.at}
                empty="No run is scheduled. Deployments with schedules add runs here."
              />
            </Card>
          </div>
        </>
      )}
    </div>
  );
}
