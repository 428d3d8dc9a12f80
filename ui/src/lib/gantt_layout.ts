/**
 * The Gantt chart of a run's task runs and subflow runs, laid out in time: a row per step in
 * order of start, each bar from its start to its end (to now while it runs) split into
 * segments from its state history (each attempt, and the waits between them, such as
 * AwaitingRetry), and an axis of ticks relative to the start. Positions are fractions of the
 * chart's time span, so the view scales them to any width with CSS percentages and nothing
 * here needs the DOM. Pure, unit-tested in gantt_layout.test.ts.
 *
 * @module
 */

import type { State, StateType, StepDetail } from "../api/types.ts";
import { formatDuration, isFinalType } from "./format.ts";

/** What the layout reads of a step (a {@link StepDetail} has all of it). */
export type GanttStep = Pick<
  StepDetail,
  | "id"
  | "kind"
  | "name"
  | "runName"
  | "state"
  | "stateHistory"
  | "attempts"
  | "startedAt"
  | "endedAt"
  | "childRunId"
>;

/** How a segment is drawn: an attempt that ran, a wait (retry delay, pause), or pending. */
export type SegmentKind = "run" | "wait" | "pending";

/** A span of a bar in one state. */
export interface GanttSegment {
  readonly kind: SegmentKind;
  /** The state type the segment is coloured by: a run segment by how the attempt ended. */
  readonly colour: StateType;
  /** The state the step was in, e.g. "Running", "AwaitingRetry". */
  readonly stateName: string;
  /** For run segments: which attempt (1 for the first). */
  readonly attempt: number;
  readonly start: number;
  readonly end: number;
  /** Position within its bar, as fractions of the bar's length. */
  readonly left: number;
  readonly width: number;
  /** Why it ended this way (the failure an AwaitingRetry carries). */
  readonly message?: string;
}

/** A row of the chart: one step. */
export interface GanttRow {
  readonly id: string;
  readonly kind: "task" | "subflow";
  /** The task run's or subflow run's name, e.g. "load-data-0". */
  readonly label: string;
  /** The task's or flow's name. */
  readonly name: string;
  readonly childRunId: string | null;
  readonly state: State;
  readonly attempts: number;
  readonly start: number;
  readonly end: number;
  /** Still going: the bar grows to now. */
  readonly open: boolean;
  /** Position in the chart, as fractions of its span. */
  readonly left: number;
  readonly width: number;
  readonly segments: readonly GanttSegment[];
  /** A sentence for screen readers and the tooltip. */
  readonly summary: string;
}

/** A tick of the time axis. */
export interface GanttTick {
  /** Milliseconds after the chart's start. */
  readonly offset: number;
  /** Position, as a fraction of the span. */
  readonly left: number;
  readonly label: string;
}

/** The laid-out chart. */
export interface GanttLayout {
  readonly start: number;
  readonly end: number;
  readonly rows: readonly GanttRow[];
  readonly ticks: readonly GanttTick[];
  /** Steps left out beyond `maxRows` (the latest to start). */
  readonly hidden: number;
}

/** Tick spacings the axis chooses from: round numbers of milliseconds, seconds, minutes… */
const TICK_STEPS = [
  1, 2, 5, 10, 20, 50, 100, 200, 250, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000,
  120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000,
  43_200_000, 86_400_000, 172_800_000, 604_800_000,
] as const;

/**
 * The tick spacing for a span: the smallest round step that makes at most `most` intervals.
 *
 * @example
 * ```ts
 * tickStep(47_000, 6); // 10000
 * ```
 */
export function tickStep(spanMs: number, most = 6): number {
  for (const step of TICK_STEPS) if (spanMs / step <= most) return step;
  return Math.ceil(spanMs / most / 604_800_000) * 604_800_000;
}

/**
 * An axis label: an offset from the chart's start, as precise as the tick step needs.
 *
 * @example
 * ```ts
 * formatOffset(90_000, 30_000); // "1m 30s"
 * formatOffset(1_250, 250); // "1.25s"
 * ```
 */
export function formatOffset(ms: number, step: number): string {
  if (ms === 0) return "0s";
  if (step < 1000) return ms < 1000 ? `${ms}ms` : `${Number((ms / 1000).toFixed(3))}s`;
  const units: [number, string][] = [
    [86_400_000, "d"],
    [3_600_000, "h"],
    [60_000, "m"],
    [1000, "s"],
  ];
  const parts: string[] = [];
  let rest = ms;
  for (const [size, unit] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n}${unit}`);
  }
  return parts.slice(0, 2).join(" ");
}

/** How a state is drawn while a step is in it. */
function kindOf(state: State): SegmentKind | undefined {
  if (isFinalType(state.type)) return undefined;
  if (state.type === "RUNNING" || state.type === "CANCELLING") return "run";
  if (state.type === "PENDING") return "pending";
  return "wait";
}

/** Whether the state after an attempt says the attempt failed and another follows. */
function endsInRetry(next: State | undefined): boolean {
  return next !== undefined && (next.name === "AwaitingRetry" || next.name === "Retrying");
}

/** The row's segments in time (positions filled in by the caller). */
function segmentsOf(
  history: readonly State[],
  end: number,
): Omit<GanttSegment, "left" | "width">[] {
  const out: Omit<GanttSegment, "left" | "width">[] = [];
  let attempt = 0;
  history.forEach((state, i) => {
    const kind = kindOf(state);
    if (kind === undefined) return;
    const next = history[i + 1];
    const until = Math.max(state.timestamp, next === undefined ? end : next.timestamp);
    if (kind === "run") attempt++;
    // An attempt is coloured by how it ended: failed when a retry follows, else the final
    // state that ends it, else (still running) its own state.
    const colour: StateType =
      kind !== "run"
        ? state.type
        : endsInRetry(next)
          ? "FAILED"
          : next !== undefined && isFinalType(next.type)
            ? next.type
            : state.type;
    const message = kind === "wait" ? state.message : endsInRetry(next) ? next?.message : undefined;
    out.push({
      kind,
      colour,
      stateName: state.name,
      attempt: kind === "run" ? attempt : 0,
      start: state.timestamp,
      end: until,
      ...(message === undefined ? {} : { message }),
    });
  });
  return out;
}

function summaryOf(row: Omit<GanttRow, "summary">, chartStart: number): string {
  const what = row.kind === "subflow" ? "Subflow run" : "Task run";
  const began = formatDuration(row.start - chartStart);
  const took = formatDuration(row.end - row.start);
  const waits = row.segments.filter((s) => s.kind === "wait");
  const waited = waits.reduce((sum, s) => sum + (s.end - s.start), 0);
  const parts = [
    `${what} ${row.label}: ${row.state.name}`,
    `started at +${began}`,
    row.open ? `running for ${took} so far` : `took ${took}`,
  ];
  if (row.attempts > 1) parts.push(`${row.attempts} attempts`);
  if (waits.length > 0) {
    parts.push(
      `${waits.length} ${waits.length === 1 ? "wait" : "waits"} (${waits.map((w) => w.stateName).join(", ")}) of ${formatDuration(waited)}`,
    );
  }
  return parts.join(", ");
}

/**
 * Lays out the chart of a run's task runs and subflow runs (other steps, such as sleeps and
 * event waits, are left out). The span runs from the run's start (or the first step's) to
 * its end, or to `now` while the run or a step is still going.
 *
 * @example
 * ```ts
 * const layout = ganttLayout(run.steps, { now, runStart, runEnd: final ? endedAt : null });
 * layout.rows[0].left; // 0
 * ```
 */
export function ganttLayout(
  steps: readonly GanttStep[],
  options: {
    now: number;
    /** When the run started running; the chart starts there (or at the first step, if earlier). */
    runStart?: number | null;
    /** When the run ended; null or left out while it runs (the chart reaches `now`). */
    runEnd?: number | null;
    maxRows?: number;
    ticks?: number;
  },
): GanttLayout {
  const { now } = options;
  const shown = steps
    .map((step, index) => ({ step, index }))
    // Any step that started a child run (a subflow, or a deployment's run started from the
    // flow) is drawn as a subflow run.
    .filter(
      ({ step }) => step.kind === "task" || step.kind === "subflow" || step.childRunId !== null,
    )
    .sort((a, b) => a.step.startedAt - b.step.startedAt || a.index - b.index);
  const maxRows = options.maxRows ?? 300;
  const kept = shown.slice(0, maxRows);

  const timed = kept.map(({ step }) => {
    const last = step.stateHistory[step.stateHistory.length - 1];
    const open = step.endedAt === null && !isFinalType(step.state.type);
    const end =
      step.endedAt ?? (open ? Math.max(now, step.startedAt) : (last?.timestamp ?? step.startedAt));
    return { step, open, start: step.startedAt, end: Math.max(end, step.startedAt) };
  });

  const starts = timed.map((t) => t.start);
  if (options.runStart !== undefined && options.runStart !== null) starts.push(options.runStart);
  const start = starts.length === 0 ? now : Math.min(...starts);
  const ends = timed.map((t) => t.end);
  const running = options.runEnd === undefined || options.runEnd === null;
  ends.push(running ? now : (options.runEnd as number));
  if (timed.some((t) => t.open)) ends.push(now);
  // At least 10 ms, so a chart of instant steps still has a scale.
  const end = Math.max(...ends, start + 10);
  const span = end - start;

  const rows: GanttRow[] = timed.map(({ step, open, start: rowStart, end: rowEnd }) => {
    const length = rowEnd - rowStart;
    const segments = segmentsOf(step.stateHistory, rowEnd).map((s) => ({
      ...s,
      left: length === 0 ? 0 : (s.start - rowStart) / length,
      width: length === 0 ? 1 : (s.end - s.start) / length,
    }));
    const row = {
      id: step.id,
      kind: step.kind === "task" ? ("task" as const) : ("subflow" as const),
      label: step.runName,
      name: step.name,
      childRunId: step.childRunId,
      state: step.state,
      attempts: step.attempts,
      start: rowStart,
      end: rowEnd,
      open,
      left: (rowStart - start) / span,
      width: length / span,
      segments,
    };
    return { ...row, summary: summaryOf(row, start) };
  });

  const step = tickStep(span, options.ticks ?? 6);
  const ticks: GanttTick[] = [];
  for (let offset = 0; offset <= span; offset += step) {
    ticks.push({ offset, left: offset / span, label: formatOffset(offset, step) });
  }
  return { start, end, rows, ticks, hidden: shown.length - kept.length };
}
