/**
 * A flow run, followed live: its state and timeline, actions, graph, and tabs for logs, task
 * runs, subflow runs, parameters and result, as in Prefect's flow run page.
 *
 * @module
 */

import { useState } from "preact/hooks";
import type { RunDetail } from "../api/types.ts";
import { Card, ErrorBox, Json, Loading, StateBadge, Tags, useNow } from "../components/common.tsx";
import { formatDuration, formatTime, isFinalType, runningTime } from "../lib/format.ts";
import { paths } from "../lib/routes.ts";
import { RunWaits, waitingLimit } from "../limits/waiting_for.tsx";
import { GanttChart } from "../run/gantt.tsx";
import { LogsPanel } from "../run/logs_panel.tsx";
import { RunActions } from "../run/run_actions.tsx";
import { RunGraphView } from "../run/run_graph.tsx";
import { StateTimeline, TimelineBar } from "../run/state_timeline.tsx";
import { OtherStepsTable, SubflowRunsTable, TaskRunsTable } from "../run/steps_table.tsx";
import { type LiveRun, useLiveRun } from "../run/use_live_run.ts";

type Tab = "logs" | "tasks" | "subflows" | "parameters" | "result" | "states";

const LIVE_LABEL: Record<string, string> = {
  connecting: "connecting…",
  live: "live",
  reconnecting: "reconnecting…",
  stopped: "not live",
};

function Facts(props: { run: RunDetail; now: number }) {
  const { run } = props;
  // The time it ran: waits before a retry and suspended spans are not counted.
  const ms = runningTime(run.stateHistory, props.now);
  return (
    <dl class="facts facts-inline">
      <dt>Flow</dt>
      <dd>
        <a href={paths.flow(run.flowName)}>{run.flowName}</a>
      </dd>
      <dt>Created</dt>
      <dd>{formatTime(run.stateHistory[0]?.timestamp)}</dd>
      <dt>Duration</dt>
      <dd class="mono" data-testid="run-duration">
        {ms === null ? "—" : formatDuration(ms)}
      </dd>
      <dt>Task runs</dt>
      <dd>{run.taskRuns.length}</dd>
      {run.retries > 0 && (
        <>
          <dt>Retries</dt>
          <dd>{run.retries}</dd>
        </>
      )}
      {run.deploymentId !== null && run.deploymentId !== undefined && (
        <>
          <dt>Deployment</dt>
          <dd>
            <a href={paths.deployment(run.deploymentId)} data-testid="deployment-link">
              {run.deploymentId.slice(0, 8)}
            </a>
            {run.scheduleId !== null && run.scheduleId !== undefined && " (scheduled)"}
          </dd>
        </>
      )}
      {run.parentRunId !== null && (
        <>
          <dt>Parent run</dt>
          <dd>
            <a href={paths.run(run.parentRunId)} data-testid="parent-link">
              {run.parentRunId.slice(0, 8)}
            </a>
          </dd>
        </>
      )}
      <dt>Run id</dt>
      <dd class="mono small">{run.id}</dd>
    </dl>
  );
}

function ResultView(props: { run: RunDetail }) {
  const { run } = props;
  if (run.error !== null) {
    return (
      <div class="run-error">
        <p class="error-text">
          <strong>{run.error.name}</strong>: {run.error.message}
        </p>
        {run.error.stack !== undefined && (
          <details>
            <summary>Stack</summary>
            <pre class="json">{run.error.stack}</pre>
          </details>
        )}
      </div>
    );
  }
  if (run.resultRef !== null) {
    return (
      <p>
        The result is stored in R2 (it is larger than the inline limit or persisted): key{" "}
        <code>{run.resultRef.key}</code>
      </p>
    );
  }
  if (!isFinalType(run.state?.type)) return <p class="muted">No result until the run completes.</p>;
  return <Json value={run.result} />;
}

function Tabs(props: { tab: Tab; set(tab: Tab): void; run: RunDetail; logs: number }) {
  const { run } = props;
  const tabs: [Tab, string][] = [
    ["logs", `Logs (${props.logs})`],
    ["tasks", `Task runs (${run.taskRuns.length})`],
    ["subflows", `Subflow runs (${run.subflowRuns.length})`],
    ["parameters", "Parameters"],
    ["result", run.error !== null ? "Error" : "Result"],
    ["states", `State history (${run.stateHistory.length})`],
  ];
  return (
    <div class="tabs" role="tablist">
      {tabs.map(([id, label]) => (
        <button
          key={id}
          type="button"
          role="tab"
          id={`tab-${id}`}
          aria-selected={props.tab === id}
          class={props.tab === id ? "tab active" : "tab"}
          onClick={() => props.set(id)}
        >
          {label}
        </button>
      ))}
    </div>
  );
}

function Body(props: { live: LiveRun; run: RunDetail }) {
  const { live, run } = props;
  const final = isFinalType(run.state?.type);
  const now = useNow(!final);
  const [tab, setTab] = useState<Tab>("logs");
  const others = run.steps.filter((s) => s.kind !== "task" && s.kind !== "subflow");
  return (
    <>
      <header class="page-header run-header">
        <h1>{run.name}</h1>
        <StateBadge state={run.state} />
        <Tags tags={run.tags} />
        <span
          class={`live-dot live-${live.status}`}
          data-testid="live-status"
          title="Updates arrive over a WebSocket"
        >
          {LIVE_LABEL[live.status]}
        </span>
        <div class="spacer" />
        <RunActions run={run} onChanged={live.accept} />
      </header>
      {run.state?.message !== undefined && !final && waitingLimit(run.state) === undefined && (
        <p class="state-message">{run.state.message}</p>
      )}
      <RunWaits run={run} />
      {run.error !== null && (
        <div class="error-box" role="alert" data-testid="run-error">
          <strong>{run.error.name}</strong>: {run.error.message}
        </div>
      )}
      <div class="run-summary">
        <Facts run={run} now={now} />
        <TimelineBar history={run.stateHistory} now={now} final={final} />
      </div>
      <Card title="Timeline" class="gantt-card">
        <GanttChart run={run} now={now} final={final} />
      </Card>
      <Card title="Graph" class="graph-card">
        {live.graphError !== undefined && <ErrorBox error={live.graphError} />}
        {live.graph === null && live.graphError === undefined && <Loading what="the graph" />}
        {live.graph !== null && <RunGraphView graph={live.graph} now={now} />}
      </Card>
      <Tabs tab={tab} set={setTab} run={run} logs={live.logs.lines.length} />
      <section class="card tab-panel" role="tabpanel" aria-labelledby={`tab-${tab}`}>
        {tab === "logs" && (
          <LogsPanel logs={live.logs} onLevel={live.setLevel} onMore={live.loadMoreLogs} />
        )}
        {tab === "tasks" && (
          <>
            <TaskRunsTable steps={run.taskRuns} now={now} />
            {others.length > 0 && <h3>Waits and groups</h3>}
            <OtherStepsTable steps={others} now={now} />
          </>
        )}
        {tab === "subflows" && <SubflowRunsTable steps={run.subflowRuns} now={now} />}
        {tab === "parameters" && <Json value={run.parameters} />}
        {tab === "result" && <ResultView run={run} />}
        {tab === "states" && <StateTimeline history={run.stateHistory} now={now} final={final} />}
      </section>
    </>
  );
}

/**
 * The run page.
 *
 * @example
 * ```tsx
 * <RunPage id={runId} />
 * ```
 */
export function RunPage(props: { id: string }) {
  const live = useLiveRun(props.id);
  const run = live.run;
  return (
    <div class="page">
      <nav class="breadcrumbs" aria-label="Breadcrumbs">
        <a href={paths.runs()}>Flow runs</a>
        {run !== null && (
          <>
            {" / "}
            <a href={paths.flowRuns(run.flowName)}>{run.flowName}</a>
            {run.parentRunId !== null && (
              <>
                {" / "}
                <a href={paths.run(run.parentRunId)}>parent run</a>
              </>
            )}
          </>
        )}
        {" / "}
        <span>{run?.name ?? props.id}</span>
      </nav>
      {live.error !== undefined && <ErrorBox error={live.error} />}
      {run === null && live.error === undefined && <Loading what="the run" />}
      {run !== null && <Body live={live} run={run} />}
    </div>
  );
}
