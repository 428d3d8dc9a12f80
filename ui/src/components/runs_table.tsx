/**
 * A table of runs from the index: state, name, flow, tags, times, duration, parent.
 *
 * @module
 */

import type { RunSummary } from "../api/types.ts";
import { isFinalType } from "../lib/format.ts";
import { paths } from "../lib/routes.ts";
import { Duration, StateBadge, Tags, useNow, When } from "./common.tsx";

/**
 * The table.
 *
 * @example
 * ```tsx
 * <RunsTable runs={page.runs} />
 * ```
 */
export function RunsTable(props: { runs: readonly RunSummary[]; showFlow?: boolean }) {
  const running = props.runs.some((r) => r.startedAt !== null && !isFinalType(r.state.type));
  const now = useNow(running);
  const showFlow = props.showFlow !== false;
  return (
    <div class="table-wrap">
      <table class="table stack runs-table">
        <thead>
          <tr>
            <th>State</th>
            <th>Run</th>
            {showFlow && <th>Flow</th>}
            <th>Created</th>
            <th>Start</th>
            <th>Duration</th>
            <th>Parent</th>
          </tr>
        </thead>
        <tbody>
          {props.runs.map((run) => (
            <tr key={run.id} data-run={run.id} data-state={run.state.type}>
              <td data-col="state">
                <StateBadge state={run.state} />
              </td>
              <td data-col="main">
                <a class="strong" href={paths.run(run.id)}>
                  {run.name}
                </a>
                <Tags tags={run.tags} />
              </td>
              {showFlow && (
                <td data-label="Flow">
                  <a href={paths.flow(run.flowName)}>{run.flowName}</a>
                </td>
              )}
              <td data-label="Created" data-col="created">
                <When at={run.createdAt} />
              </td>
              <td data-label="Start">
                <When at={run.startedAt ?? run.scheduledAt} />
              </td>
              <td class="mono" data-label="Duration" data-col="duration">
                <Duration start={run.startedAt} end={run.endedAt} now={now} />
              </td>
              <td data-label="Parent">
                {run.parentRunId === null ? (
                  <span class="muted">—</span>
                ) : (
                  <a
                    href={paths.run(run.parentRunId)}
                    title="The flow run that started this subflow run"
                  >
                    parent
                  </a>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
