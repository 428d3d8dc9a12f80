/**
 * A run's logs: level filter, lines as they arrive (the live feed appends them), and "Load
 * more" while older pages remain.
 *
 * @module
 */

import type { LogLevelName } from "../api/types.ts";
import { ErrorBox } from "../components/common.tsx";
import { formatTime } from "../lib/format.ts";
import { LOG_LEVELS } from "../lib/live_state.ts";
import type { LogsState } from "./use_live_run.ts";

/**
 * The panel.
 *
 * @example
 * ```tsx
 * <LogsPanel logs={live.logs} onLevel={live.setLevel} onMore={live.loadMoreLogs} />
 * ```
 */
export function LogsPanel(props: {
  logs: LogsState;
  onLevel(level: LogLevelName): void;
  onMore(): void;
}) {
  const { logs } = props;
  return (
    <div class="logs">
      <div class="logs-toolbar">
        <label class="filter">
          <span>Level</span>
          <select
            name="log-level"
            value={logs.level}
            onChange={(e) => props.onLevel(e.currentTarget.value as LogLevelName)}
          >
            {LOG_LEVELS.map((level) => (
              <option key={level} value={level}>
                {level} and above
              </option>
            ))}
          </select>
        </label>
        <span class="muted small">{logs.lines.length} lines</span>
      </div>
      {logs.error !== undefined && <ErrorBox error={logs.error} />}
      {logs.lines.length === 0 && !logs.loading && logs.error === undefined && (
        <p class="empty">No log lines at {logs.level} or above yet.</p>
      )}
      {logs.lines.length > 0 && (
        <ol class="log-lines" aria-label="Log lines">
          {logs.lines.map((line) => (
            <li
              key={line.cursor}
              class={`log-line level-${line.level.toLowerCase()}`}
              data-cursor={line.cursor}
            >
              <time class="log-time" dateTime={new Date(line.timestamp).toISOString()}>
                {formatTime(line.timestamp, true).slice(11)}
              </time>
              <span class="log-level">{line.level}</span>
              <span class="log-source" title={line.source}>
                {line.source}
              </span>
              <span class="log-message">{line.message}</span>
            </li>
          ))}
        </ol>
      )}
      {!logs.complete && !logs.loading && logs.error === undefined && (
        <div class="load-more">
          <button type="button" class="button" onClick={props.onMore}>
            Load more
          </button>
        </div>
      )}
      {logs.loading && <p class="muted small">Loading log lines…</p>}
    </div>
  );
}
