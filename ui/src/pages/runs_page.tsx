/**
 * Flow runs: the run index, newest first, filtered by flow, state, tag and time, with the
 * count and "Load more" over the API's cursor, kept live by polling (use_live_runs.ts). The
 * filters live in the query string.
 *
 * @module
 */

import { useEffect, useState } from "preact/hooks";
import { api } from "../api/client.ts";
import type { Deployment } from "../api/types.ts";
import { ErrorBox, Loading } from "../components/common.tsx";
import { RunsTable } from "../components/runs_table.tsx";
import { useAsync } from "../components/use_async.ts";
import { POLL_MS, useLiveRuns } from "../components/use_live_runs.ts";
import { STATE_TYPES, stateTypeLabel } from "../lib/format.ts";
import { paths } from "../lib/routes.ts";
import {
  filtersFromSearch,
  isFiltered,
  NO_FILTERS,
  type RunFilters,
  searchFromFilters,
  TIME_RANGES,
  type TimeRange,
} from "../lib/runs_query.ts";
import { navigate } from "../router.ts";

function Filters(props: {
  filters: RunFilters;
  flowNames: readonly string[];
  deployments: readonly Deployment[];
}) {
  const { filters } = props;
  const [tag, setTag] = useState(filters.tag);
  useEffect(() => setTag(filters.tag), [filters.tag]);
  const set = (change: Partial<RunFilters>) =>
    navigate(paths.runs(searchFromFilters({ ...filters, ...change })), { replace: true });
  return (
    <form
      class="filters"
      aria-label="Filter runs"
      onSubmit={(e) => {
        e.preventDefault();
        set({ tag: tag.trim() });
      }}
    >
      <label class="filter">
        <span>Flow</span>
        <select
          name="flow"
          value={filters.flow}
          onChange={(e) => set({ flow: e.currentTarget.value })}
        >
          <option value="">All flows</option>
          {[...new Set([...props.flowNames, ...(filters.flow === "" ? [] : [filters.flow])])].map(
            (name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ),
          )}
        </select>
      </label>
      <label class="filter">
        <span>Deployment</span>
        <select
          name="deployment"
          value={filters.deployment}
          onChange={(e) => set({ deployment: e.currentTarget.value })}
        >
          <option value="">All deployments</option>
          {props.deployments.map((d) => (
            <option key={d.id} value={d.id}>
              {d.flowName}/{d.name}
            </option>
          ))}
          {filters.deployment !== "" &&
            !props.deployments.some((d) => d.id === filters.deployment) && (
              <option value={filters.deployment}>{filters.deployment}</option>
            )}
        </select>
      </label>
      <label class="filter">
        <span>State</span>
        <select
          name="state"
          value={filters.state}
          onChange={(e) => set({ state: e.currentTarget.value })}
        >
          <option value="">All states</option>
          {STATE_TYPES.map((type) => (
            <option key={type} value={type}>
              {stateTypeLabel(type)}
            </option>
          ))}
        </select>
      </label>
      <label class="filter">
        <span>Tag</span>
        <input
          name="tag"
          placeholder="any tag"
          value={tag}
          onInput={(e) => setTag(e.currentTarget.value)}
          onBlur={() => tag.trim() !== filters.tag && set({ tag: tag.trim() })}
        />
      </label>
      <label class="filter">
        <span>Created</span>
        <select
          name="range"
          value={filters.range}
          onChange={(e) => set({ range: e.currentTarget.value as TimeRange })}
        >
          {Object.entries(TIME_RANGES).map(([key, range]) => (
            <option key={key} value={key}>
              {range.label}
            </option>
          ))}
        </select>
      </label>
      {filters.range === "custom" && (
        <>
          <label class="filter">
            <span>From</span>
            <input
              type="datetime-local"
              name="from"
              value={filters.from}
              onChange={(e) => set({ from: e.currentTarget.value })}
            />
          </label>
          <label class="filter">
            <span>To</span>
            <input
              type="datetime-local"
              name="to"
              value={filters.to}
              onChange={(e) => set({ to: e.currentTarget.value })}
            />
          </label>
        </>
      )}
      {isFiltered(filters) && (
        <button type="button" class="button small" onClick={() => set(NO_FILTERS)}>
          Clear filters
        </button>
      )}
    </form>
  );
}

/**
 * The runs page.
 *
 * @example
 * ```tsx
 * <RunsPage search="?state=FAILED" />
 * ```
 */
export function RunsPage(props: { search: string }) {
  const filters = filtersFromSearch(props.search);
  const flows = useAsync(() => api.flows(), []);
  // The deployment filter's choices; without them (an older API) the filter lists none.
  const deployments = useAsync(() => api.deployments(), []);
  const list = useLiveRuns(props.search);
  const shown = list.shown;
  const runs = shown?.runs ?? [];
  const count = shown?.count;
  return (
    <div class="page">
      <header class="page-header">
        <h1>Flow runs</h1>
        {count !== undefined && (
          <span class="count" data-testid="run-count">
            {count} {count === 1 ? "flow run" : "flow runs"}
          </span>
        )}
        <div class="spacer" />
        {shown !== undefined && (
          <span
            class={`live-dot ${list.live ? "live-live" : "live-reconnecting"}`}
            data-testid="live-status"
            title={`The list checks for new runs and changes every ${POLL_MS / 1000} s while it is on screen`}
          >
            {list.live ? "live" : "reconnecting…"}
          </span>
        )}
        <button type="button" class="button small" onClick={list.refresh}>
          Refresh
        </button>
      </header>
      <Filters
        filters={filters}
        flowNames={(flows.data?.flows ?? []).map((f) => f.name)}
        deployments={[...(deployments.data?.deployments ?? [])].sort(
          (a, b) => a.flowName.localeCompare(b.flowName) || a.name.localeCompare(b.name),
        )}
      />
      {list.error !== undefined && <ErrorBox error={list.error} />}
      {shown === undefined && list.error === undefined && <Loading what="flow runs" />}
      {shown !== undefined && runs.length === 0 && (
        <p class="empty">
          {isFiltered(filters) ? "No flow runs match these filters." : "No flow runs yet. "}
          {!isFiltered(filters) && <a href={paths.flows()}>Run a flow</a>}
        </p>
      )}
      {runs.length > 0 && <RunsTable runs={runs} />}
      {list.moreError !== undefined && <ErrorBox error={list.moreError} />}
      {shown !== undefined && shown.cursor !== null && (
        <div class="load-more">
          <button type="button" class="button" disabled={list.loadingMore} onClick={list.loadMore}>
            {list.loadingMore ? "Loading…" : "Load more"}
          </button>
          <span class="muted small">
            {runs.length} of {count ?? "?"} shown
          </span>
        </div>
      )}
    </div>
  );
}
