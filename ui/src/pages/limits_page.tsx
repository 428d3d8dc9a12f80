/**
 * Concurrency limits: every limit (named, tag and rate limits, and the ones Weir declares for
 * deployments and flows) with its slots held out of its limit, an active switch, its decay
 * rate, and how many hold and wait; and a form that creates one. Refreshed every 2 s while the
 * page is on screen, since slots change hands by themselves. Stacked as cards on phones.
 *
 * @module
 */

import { useState } from "preact/hooks";
import { api } from "../api/client.ts";
import type { ConcurrencyLimit } from "../api/types.ts";
import { Card, ErrorBox, Loading } from "../components/common.tsx";
import { useAsync } from "../components/use_async.ts";
import { usePoll } from "../components/use_poll.ts";
import { decayText } from "../lib/limits.ts";
import { ActiveSwitch } from "../limits/active_switch.tsx";
import { LimitForm } from "../limits/limit_form.tsx";
import { deploymentsById, LimitName } from "../limits/limit_name.tsx";
import { SlotsBar } from "../limits/slots_bar.tsx";

/** How often the list refreshes while the page is visible. */
export const LIMITS_REFRESH_MS = 2000;

function Count(props: { n: number }) {
  return <span class={props.n === 0 ? "muted" : "strong"}>{props.n}</span>;
}

/**
 * The concurrency limits page.
 *
 * @example
 * ```tsx
 * <LimitsPage />
 * ```
 */
export function LimitsPage() {
  const list = useAsync(() => api.concurrencyLimits(), []);
  // Only to name deployments' limits: the list shows without it.
  const deployments = useAsync(() => api.deployments(), []);
  usePoll(list.reload, LIMITS_REFRESH_MS);
  const [creating, setCreating] = useState(false);
  const byId = deploymentsById(deployments.data?.deployments);
  const limits = [...(list.data?.limits ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  const replace = (next: ConcurrencyLimit) => {
    if (list.data === undefined) return;
    list.set({ limits: list.data.limits.map((l) => (l.name === next.name ? next : l)) });
  };
  return (
    <div class="page">
      <header class="page-header">
        <h1>Concurrency limits</h1>
        {list.data !== undefined && (
          <span class="count" data-testid="limit-count">
            {limits.length} {limits.length === 1 ? "limit" : "limits"}
          </span>
        )}
        <div class="spacer" />
        <div class="header-actions">
          <button type="button" class="button small" onClick={list.reload}>
            Refresh
          </button>
          <button
            type="button"
            class="button small primary"
            aria-expanded={creating}
            onClick={() => setCreating((open) => !open)}
          >
            New limit
          </button>
        </div>
      </header>
      {creating && (
        <Card title="New concurrency limit" class="new-limit">
          <LimitForm
            saveLabel="Create limit"
            onCancel={() => setCreating(false)}
            onSave={async (body) => {
              const created = await api.createConcurrencyLimit(body);
              setCreating(false);
              if (list.data !== undefined) {
                list.set({
                  limits: [...list.data.limits.filter((l) => l.name !== created.name), created],
                });
              }
              list.reload();
            }}
          />
        </Card>
      )}
      {list.error !== undefined && <ErrorBox error={list.error} />}
      {list.data === undefined && list.error === undefined && <Loading what="limits" />}
      {list.data !== undefined && limits.length === 0 && (
        <p class="empty">
          No concurrency limits yet. Create one here or with{" "}
          <code>weir concurrency-limit create NAME N</code>; a flow's{" "}
          <code>concurrency("name", …)</code> creates its own on first use, and a deployment's{" "}
          <code>concurrencyLimit</code> its <code>deployment:…</code> limit.
        </p>
      )}
      {limits.length > 0 && (
        <div class="table-wrap">
          <table class="table stack limits-table">
            <thead>
              <tr>
                <th>Limit</th>
                <th>Slots held</th>
                <th>Slot decay</th>
                <th>Holders</th>
                <th>Waiters</th>
                <th>Active</th>
              </tr>
            </thead>
            <tbody>
              {limits.map((l) => (
                <tr
                  key={l.name}
                  data-limit={l.name}
                  data-active={String(l.active)}
                  class={l.active ? undefined : "inactive"}
                >
                  <td data-col="main">
                    <LimitName name={l.name} deployments={byId} />
                  </td>
                  <td data-label="Slots held" data-col="slots">
                    <SlotsBar held={l.slotsHeld} limit={l.limit} active={l.active} />
                  </td>
                  <td data-label="Slot decay" class="small">
                    {l.slotDecayPerSecond > 0 ? (
                      <span class="pill rate-pill">{decayText(l.slotDecayPerSecond)}</span>
                    ) : (
                      <span class="muted">—</span>
                    )}
                  </td>
                  <td data-label="Holders" data-testid="holders">
                    <Count n={l.holders.length} />
                  </td>
                  <td data-label="Waiters" data-testid="waiters">
                    <Count n={l.waiters.length} />
                  </td>
                  <td data-col="state">
                    <ActiveSwitch limit={l} onChanged={replace} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
