/**
 * A limit's holders (run, what holds the slot, slots, when its lease expires) and its waiters
 * in line (position, run, what waits, since when), each linked to its run's page.
 *
 * @module
 */

import type { LimitHolder, LimitWaiter } from "../api/types.ts";
import { When } from "../components/common.tsx";
import { paths } from "../lib/routes.ts";
import { useRunNames } from "./use_run_names.ts";

/** The run's name once known (its short id until then), linked to its page. */
function RunLink(props: { runId: string; names: ReadonlyMap<string, string | null> }) {
  const name = props.names.get(props.runId);
  return (
    <a
      class={name === undefined || name === null ? "mono" : undefined}
      href={paths.run(props.runId)}
      title={props.runId}
      data-run-link={props.runId}
    >
      {name ?? props.runId.slice(0, 8)}
    </a>
  );
}

/**
 * What holds or waits: the task run's name (a `step` lease), a group of steps' (a `run` lease
 * taken by a step), or the flow run's for a run's own slot.
 */
function Label(props: { label: string; stepId: string | null; scope?: LimitHolder["scope"] }) {
  const kind =
    props.stepId === null
      ? "the whole run"
      : props.scope === "step"
        ? "task run"
        : props.scope === "run"
          ? "group of steps"
          : "step";
  return (
    <>
      <span class="strong holder-label">{props.label}</span>
      <div class="muted small">{kind}</div>
    </>
  );
}

/**
 * The holders.
 *
 * @example
 * ```tsx
 * <HoldersTable holders={limit.holders} />
 * ```
 */
export function HoldersTable(props: { holders: readonly LimitHolder[] }) {
  const names = useRunNames(props.holders.map((h) => h.runId));
  if (props.holders.length === 0) return <p class="empty">No slot is held.</p>;
  return (
    <div class="table-wrap">
      <table class="table stack slots-table" aria-label="Holders">
        <thead>
          <tr>
            <th>Held by</th>
            <th>Run</th>
            <th>Slots</th>
            <th>Held since</th>
            <th>Lease expires</th>
          </tr>
        </thead>
        <tbody>
          {props.holders.map((h) => (
            <tr key={h.leaseId} data-holder={h.runId} data-lease={h.leaseId}>
              <td data-col="main">
                <Label label={h.label} stepId={h.stepId} scope={h.scope} />
              </td>
              <td data-label="Run" data-col="state">
                <RunLink runId={h.runId} names={names} />
              </td>
              <td class="mono" data-label="Slots">
                {h.occupy}
              </td>
              <td data-label="Held since">
                <When at={h.acquiredAt} />
              </td>
              <td data-label="Lease expires" title="The holder renews its lease while it runs">
                <When at={h.expiresAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * The waiters, first in line first.
 *
 * @example
 * ```tsx
 * <WaitersTable waiters={limit.waiters} />
 * ```
 */
export function WaitersTable(props: { waiters: readonly LimitWaiter[] }) {
  const names = useRunNames(props.waiters.map((w) => w.runId));
  if (props.waiters.length === 0) return <p class="empty">Nothing is waiting.</p>;
  const inLine = [...props.waiters].sort((a, b) => a.position - b.position);
  return (
    <div class="table-wrap">
      <table class="table stack slots-table" aria-label="Waiters">
        <thead>
          <tr>
            <th>#</th>
            <th>Waiting</th>
            <th>Run</th>
            <th>Slots</th>
            <th>Waiting since</th>
          </tr>
        </thead>
        <tbody>
          {inLine.map((w) => (
            <tr key={w.leaseId} data-waiter={w.runId} data-position={w.position}>
              <td class="mono position" data-label="Position">
                {w.position}
              </td>
              <td data-col="main">
                <Label label={w.label} stepId={w.stepId} />
              </td>
              <td data-label="Run" data-col="state">
                <RunLink runId={w.runId} names={names} />
              </td>
              <td class="mono" data-label="Slots">
                {w.occupy}
              </td>
              <td data-label="Waiting since">
                <When at={w.enqueuedAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
