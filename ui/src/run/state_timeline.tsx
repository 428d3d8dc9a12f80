/**
 * A run's state history: a bar with a segment per state, as long as the run stayed in it,
 * and the list of states with when each began and how long it lasted.
 *
 * @module
 */

import type { State } from "../api/types.ts";
import { StateBadge } from "../components/common.tsx";
import { formatDuration, formatTime, stateClass } from "../lib/format.ts";

function spansOf(history: readonly State[], now: number, final: boolean) {
  const first = (history[0] as State).timestamp;
  const last = history[history.length - 1] as State;
  const end = final ? last.timestamp : Math.max(now, last.timestamp);
  const spans = history.map((state, i) => {
    const next = history[i + 1];
    const until = next === undefined ? end : next.timestamp;
    return { state, ms: Math.max(0, until - state.timestamp), current: next === undefined };
  });
  return { spans, total: Math.max(1, end - first) };
}

/**
 * The bar alone: a segment per state, as long as the run stayed in it.
 *
 * @example
 * ```tsx
 * <TimelineBar history={run.stateHistory} now={now} final={false} />
 * ```
 */
export function TimelineBar(props: { history: readonly State[]; now: number; final: boolean }) {
  if (props.history.length === 0) return null;
  const { spans, total } = spansOf(props.history, props.now, props.final);
  return (
    <div class="timeline-bar" role="img" aria-label="Time spent in each state">
      {spans.map(({ state, ms }, i) => (
        <span
          key={String(i)}
          class={`timeline-segment ${stateClass(state.type)}`}
          style={{ flexGrow: Math.max(ms / total, 0.004) }}
          title={`${state.name}: ${formatDuration(ms)}`}
        />
      ))}
    </div>
  );
}

/**
 * The timeline: the bar, and each state with when it began and how long it lasted.
 *
 * @example
 * ```tsx
 * <StateTimeline history={run.stateHistory} now={now} final={false} />
 * ```
 */
export function StateTimeline(props: { history: readonly State[]; now: number; final: boolean }) {
  const { history } = props;
  if (history.length === 0) return <p class="muted">No states yet.</p>;
  const { spans } = spansOf(history, props.now, props.final);
  return (
    <div class="timeline">
      <TimelineBar history={history} now={props.now} final={props.final} />
      <ol class="timeline-list">
        {spans.map(({ state, ms, current }, i) => (
          <li key={String(i)}>
            <StateBadge state={state} small />
            <time class="mono small" dateTime={new Date(state.timestamp).toISOString()}>
              {formatTime(state.timestamp, true)}
            </time>
            <span class="muted small">
              {current
                ? props.final
                  ? ""
                  : `for ${formatDuration(ms)} so far`
                : `for ${formatDuration(ms)}`}
            </span>
            {state.message !== undefined && <span class="state-message">{state.message}</span>}
            {state.scheduledTime !== undefined && (
              <span class="muted small">until {formatTime(state.scheduledTime)}</span>
            )}
          </li>
        ))}
      </ol>
    </div>
  );
}
