/**
 * A run's steps as tables: task runs (state, attempts, times, duration, cache hit, error),
 * subflow runs (linked to their own run pages), and the other steps (sleeps, event waits,
 * groups).
 *
 * @module
 */

import type { StepDetail } from "../api/types.ts";
import { Duration, StateBadge, When } from "../components/common.tsx";
import { formatTime } from "../lib/format.ts";
import { paths } from "../lib/routes.ts";
import { WaitingFor, waitingLimit } from "../limits/waiting_for.tsx";

function Times(props: { step: StepDetail; now: number }) {
  const { step } = props;
  return (
    <>
      <td class="mono small" data-label="Start" title={formatTime(step.startedAt, true)}>
        {formatTime(step.startedAt)}
      </td>
      <td class="mono small" data-label="End">
        {step.endedAt === null ? <span class="muted">—</span> : formatTime(step.endedAt)}
      </td>
      <td class="mono" data-label="Duration" data-col="duration">
        <Duration start={step.startedAt} end={step.endedAt} now={props.now} />
      </td>
    </>
  );
}

/**
 * The task runs table.
 *
 * @example
 * ```tsx
 * <TaskRunsTable steps={run.taskRuns} now={now} />
 * ```
 */
export function TaskRunsTable(props: { steps: readonly StepDetail[]; now: number }) {
  if (props.steps.length === 0) return <p class="empty">No task runs yet.</p>;
  return (
    <div class="table-wrap">
      <table class="table stack" aria-label="Task runs">
        <thead>
          <tr>
            <th>Task run</th>
            <th>State</th>
            <th>Attempts</th>
            <th>Start</th>
            <th>End</th>
            <th>Duration</th>
            <th>Cache</th>
          </tr>
        </thead>
        <tbody>
          {props.steps.map((step) => (
            <tr key={step.id} data-step={step.id} data-task-run={step.runName}>
              <td data-col="main">
                <span class="strong">{step.runName}</span>
                <div class="muted small">{step.name}</div>
                {step.error !== null && (
                  <div class="error-text small" title={step.error.stack}>
                    {step.error.name}: {step.error.message}
                  </div>
                )}
              </td>
              <td data-col="state">
                <StateBadge state={step.state} />
                {step.endedAt === null && waitingLimit(step.state) !== undefined && (
                  <div class="small waiting-cell">
                    <WaitingFor state={step.state} />
                  </div>
                )}
              </td>
              <td class="mono" data-label="Attempts">
                {step.attempts}
              </td>
              <Times step={step} now={props.now} />
              <td data-label="Cache">
                {step.cached ? (
                  <span class="pill state-completed">hit</span>
                ) : (
                  <span class="muted">—</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * The subflow runs table.
 *
 * @example
 * ```tsx
 * <SubflowRunsTable steps={run.subflowRuns} now={now} />
 * ```
 */
export function SubflowRunsTable(props: { steps: readonly StepDetail[]; now: number }) {
  if (props.steps.length === 0) return <p class="empty">No subflow runs.</p>;
  return (
    <div class="table-wrap">
      <table class="table stack" aria-label="Subflow runs">
        <thead>
          <tr>
            <th>Subflow run</th>
            <th>State</th>
            <th>Start</th>
            <th>End</th>
            <th>Duration</th>
          </tr>
        </thead>
        <tbody>
          {props.steps.map((step) => (
            <tr key={step.id} data-step={step.id}>
              <td data-col="main">
                {step.childRunId === null ? (
                  <span class="strong">{step.runName}</span>
                ) : (
                  <a class="strong" href={paths.run(step.childRunId)}>
                    {step.runName}
                  </a>
                )}
                <div class="muted small">
                  flow <a href={paths.flow(step.name)}>{step.name}</a>
                </div>
              </td>
              <td data-col="state">
                <StateBadge state={step.state} />
              </td>
              <Times step={step} now={props.now} />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * Sleeps, event waits and groups.
 *
 * @example
 * ```tsx
 * <OtherStepsTable steps={run.steps.filter((s) => s.kind !== "task")} now={now} />
 * ```
 */
export function OtherStepsTable(props: { steps: readonly StepDetail[]; now: number }) {
  if (props.steps.length === 0) return null;
  return (
    <div class="table-wrap">
      <table class="table stack" aria-label="Other steps">
        <thead>
          <tr>
            <th>Step</th>
            <th>Kind</th>
            <th>State</th>
            <th>Start</th>
            <th>End</th>
            <th>Duration</th>
          </tr>
        </thead>
        <tbody>
          {props.steps.map((step) => (
            <tr key={step.id} data-step={step.id}>
              <td class="strong" data-col="main">
                {step.runName}
              </td>
              <td data-label="Kind">{step.kind}</td>
              <td data-col="state">
                <StateBadge state={step.state} />
                {step.endedAt === null && waitingLimit(step.state) !== undefined && (
                  <div class="small waiting-cell">
                    <WaitingFor state={step.state} />
                  </div>
                )}
                {step.state.scheduledTime !== undefined && step.endedAt === null && (
                  <div class="muted small">
                    until <When at={step.state.scheduledTime} exact />
                  </div>
                )}
              </td>
              <Times step={step} now={props.now} />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
