/**
 * A short list of runs on the dashboard (failed, late or upcoming): state, name linked to the
 * run, flow, and when (it ended, was due, or is due), with how many more there are.
 *
 * @module
 */

import type { RunList } from "../../../protocol/run_stats.ts";
import type { RunSummary } from "../api/types.ts";
import { StateBadge } from "../components/common.tsx";
import { formatRelative, formatTime } from "../lib/format.ts";
import { paths } from "../lib/routes.ts";

/** The moment a list shows for a run, and how it says it. */
function whenOf(run: RunSummary, kind: RunList["kind"], now: number): { at: number; text: string } {
  const expected = run.scheduledAt ?? run.createdAt;
  if (kind === "failed") {
    const at = run.endedAt ?? run.updatedAt;
    return { at, text: formatRelative(at, now) };
  }
  if (kind === "late") return { at: expected, text: `due ${formatRelative(expected, now)}` };
  return { at: expected, text: formatRelative(expected, now) };
}

/**
 * The list, or what it means when it is empty.
 *
 * @example
 * ```tsx
 * <RunListView list={data.upcoming} now={data.at} empty="No runs are scheduled." />
 * ```
 */
export function RunListView(props: { list: RunList; now: number; empty: string }) {
  const { list, now } = props;
  if (list.runs.length === 0) return <p class="empty">{props.empty}</p>;
  const more = list.count - list.runs.length;
  return (
    <>
      <ul class="dash-list" data-list={list.kind}>
        {list.runs.map((run) => {
          const when = whenOf(run, list.kind, now);
          return (
            <li key={run.id} data-run={run.id}>
              <StateBadge state={run.state} small />
              <a class="dash-run-name" href={paths.run(run.id)}>
                {run.name}
              </a>
              <a class="dash-run-flow muted small" href={paths.flow(run.flowName)}>
                {run.flowName}
              </a>
              <time
                class="dash-run-when muted small"
                dateTime={new Date(when.at).toISOString()}
                title={formatTime(when.at)}
              >
                {when.text}
              </time>
            </li>
          );
        })}
      </ul>
      {more > 0 && (
        <p class="dash-more muted small">
          and {more} more {more === 1 ? "run" : "runs"}
        </p>
      )}
    </>
  );
}
