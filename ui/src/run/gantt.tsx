/**
 * A run's timeline as a Gantt chart: a row per task run and subflow run in order of start, each
 * bar from its start to its end (growing to now while it runs), split into its attempts
 * (coloured by how each ended) and the waits between them (AwaitingRetry, hatched), on an axis
 * of time since the run started. Subflow bars link to the child run. The chart scrolls sideways
 * inside itself on a narrow screen, with the names kept in view. Layout: lib/gantt_layout.ts.
 *
 * @module
 */

import { useMemo } from "preact/hooks";
import type { RunDetail } from "../api/types.ts";
import { formatDuration, stateClass } from "../lib/format.ts";
import { type GanttRow, type GanttTick, ganttLayout } from "../lib/gantt_layout.ts";
import { paths } from "../lib/routes.ts";

const pct = (fraction: number) => `${(fraction * 100).toFixed(3)}%`;

function Segments(props: { row: GanttRow }) {
  return (
    <>
      {props.row.segments.map((segment, i) => (
        <span
          key={String(i)}
          class={`gantt-seg seg-${segment.kind} ${stateClass(segment.colour)}`}
          data-seg={segment.kind}
          data-name={segment.stateName}
          style={{ left: pct(segment.left), width: pct(segment.width) }}
          title={`${segment.kind === "run" ? `Attempt ${segment.attempt}` : segment.stateName}: ${formatDuration(segment.end - segment.start)}${segment.message === undefined ? "" : ` (${segment.message})`}`}
        />
      ))}
    </>
  );
}

function Bar(props: { row: GanttRow }) {
  const { row } = props;
  const style = {
    // Kept inside the track: a bar that starts at the very end still shows its minimum width.
    left: `min(${pct(row.left)}, calc(100% - 4px))`,
    width: pct(row.width),
  };
  const cls = `gantt-bar ${stateClass(row.state.type)}${row.open ? " gantt-open" : ""}`;
  if (row.childRunId !== null) {
    return (
      <a
        class={cls}
        style={style}
        href={paths.run(row.childRunId)}
        title={row.summary}
        aria-label={row.summary}
      >
        <Segments row={row} />
      </a>
    );
  }
  return (
    <span class={cls} style={style} role="img" title={row.summary} aria-label={row.summary}>
      <Segments row={row} />
    </span>
  );
}

function Row(props: { row: GanttRow; grid: string }) {
  const { row } = props;
  return (
    <li
      class="gantt-row"
      data-step={row.id}
      data-kind={row.kind}
      data-state={row.state.type}
      data-attempts={row.attempts}
    >
      <div class="gantt-label" title={`${row.kind === "subflow" ? "flow" : "task"} ${row.name}`}>
        {row.childRunId === null ? (
          <span>{row.label}</span>
        ) : (
          <a href={paths.run(row.childRunId)} tabIndex={-1}>
            {row.label}
          </a>
        )}
      </div>
      <div class="gantt-track" style={{ backgroundSize: props.grid }}>
        <Bar row={row} />
      </div>
    </li>
  );
}

function Axis(props: { ticks: readonly GanttTick[] }) {
  return (
    <div class="gantt-axis" aria-hidden="true">
      <div class="gantt-label gantt-corner muted small">since start</div>
      <div class="gantt-track gantt-ticks">
        {props.ticks.map((tick) => (
          <span
            key={String(tick.offset)}
            // A label near the right edge hangs to the left of its tick, so it is not cut off.
            class={tick.left > 0.85 ? "gantt-tick gantt-tick-end" : "gantt-tick"}
            style={{ left: pct(tick.left) }}
          >
            {tick.label}
          </span>
        ))}
      </div>
    </div>
  );
}

/**
 * The chart.
 *
 * @example
 * ```tsx
 * <GanttChart run={run} now={now} final={isFinalType(run.state?.type)} />
 * ```
 */
export function GanttChart(props: { run: RunDetail; now: number; final: boolean }) {
  const { run, now, final } = props;
  const runStart = run.stateHistory.find((s) => s.type === "RUNNING")?.timestamp ?? null;
  const runEnd = final ? (run.stateHistory[run.stateHistory.length - 1]?.timestamp ?? null) : null;
  const layout = useMemo(
    () => ganttLayout(run.steps, { now, runStart, runEnd }),
    [run.steps, now, runStart, runEnd],
  );
  if (layout.rows.length === 0) {
    return (
      <p class="empty">No task runs or subflow runs yet: bars appear as the flow runs them.</p>
    );
  }
  const span = layout.end - layout.start;
  const step = layout.ticks[1]?.offset ?? span;
  // Grid lines at each tick: the track's background repeats once per tick step.
  const grid = `${pct(step / span)} 100%`;
  const tasks = layout.rows.filter((r) => r.kind === "task").length;
  const subflows = layout.rows.length - tasks;
  return (
    <figure class="gantt" data-testid="gantt">
      {/* Scrollable regions are keyboard-focusable in current browsers: no tabIndex needed. */}
      <section
        class="gantt-scroll"
        aria-label={`Timeline: ${tasks} task runs and ${subflows} subflow runs over ${formatDuration(span)}`}
      >
        <div class="gantt-inner">
          <Axis ticks={layout.ticks} />
          <ol class="gantt-rows">
            {layout.rows.map((row) => (
              <Row key={row.id} row={row} grid={grid} />
            ))}
          </ol>
        </div>
      </section>
      <figcaption class="gantt-legend muted small">
        <span class="legend-swatch seg-run state-completed" /> ran (coloured by how the attempt
        ended) <span class="legend-swatch seg-wait state-scheduled" /> waited (retry delay, pause)
        {subflows > 0 && " · click a subflow to open its run"}
        {layout.hidden > 0 && ` · ${layout.hidden} later steps not shown`}
      </figcaption>
    </figure>
  );
}
