/**
 * A concurrency limit: its slots held out of its limit, whose deployment it is, its holders
 * (run, what holds, slots, lease expiry) and waiters in line; an active switch, Edit (limit
 * and slot decay), Reset (frees every slot; waiters are admitted) and Delete (admits every
 * waiter), both asked twice. Refreshed every 2 s while the page is on screen.
 *
 * @module
 */

import { useState } from "preact/hooks";
import { api, errorMessage } from "../api/client.ts";
import { Card, ErrorBox, Loading, When } from "../components/common.tsx";
import { useAsync } from "../components/use_async.ts";
import { usePoll } from "../components/use_poll.ts";
import { decayText, deploymentOfLimit } from "../lib/limits.ts";
import { paths } from "../lib/routes.ts";
import { ActiveSwitch } from "../limits/active_switch.tsx";
import { LimitForm } from "../limits/limit_form.tsx";
import { deploymentsById, LimitOwner } from "../limits/limit_name.tsx";
import { HoldersTable, WaitersTable } from "../limits/slot_tables.tsx";
import { SlotsBar } from "../limits/slots_bar.tsx";
import { navigate } from "../router.ts";
import { LIMITS_REFRESH_MS } from "./limits_page.tsx";

type Confirming = "reset" | "delete" | null;

/** Reset and Delete, each asked twice (the schedule list's pattern). */
function Actions(props: { name: string; onReset(): void }) {
  const [confirming, setConfirming] = useState<Confirming>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  async function act(what: Exclude<Confirming, null>) {
    setBusy(true);
    setError(undefined);
    try {
      if (what === "reset") {
        await api.resetConcurrencyLimit(props.name);
        props.onReset();
      } else {
        await api.deleteConcurrencyLimit(props.name);
        navigate(paths.concurrencyLimits());
      }
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
      setConfirming(null);
    }
  }
  return (
    <div class="header-actions limit-actions">
      {confirming === null ? (
        <>
          <button
            type="button"
            class="button"
            disabled={busy}
            onClick={() => setConfirming("reset")}
            title="Frees every slot held; waiters are admitted"
          >
            Reset
          </button>
          <button
            type="button"
            class="button danger"
            disabled={busy}
            onClick={() => setConfirming("delete")}
            title="Deletes the limit; everything waiting for it starts"
          >
            Delete
          </button>
        </>
      ) : (
        <span class="confirm">
          <span class="small">
            {confirming === "reset"
              ? "Free every slot? Holders keep running; waiters are admitted."
              : "Delete this limit? Everything waiting for it starts."}
          </span>
          <button
            type="button"
            class="button danger"
            disabled={busy}
            onClick={() => act(confirming)}
          >
            {confirming === "reset" ? "Reset it" : "Delete it"}
          </button>
          <button type="button" class="button" onClick={() => setConfirming(null)}>
            Keep
          </button>
        </span>
      )}
      {error !== undefined && (
        <span class="error-text" role="alert">
          {errorMessage(error)}
        </span>
      )}
    </div>
  );
}

/**
 * The limit page.
 *
 * @example
 * ```tsx
 * <LimitPage name="db" />
 * ```
 */
export function LimitPage(props: { name: string }) {
  const limit = useAsync(() => api.concurrencyLimit(props.name), [props.name]);
  const owner = deploymentOfLimit(props.name);
  const deployments = useAsync(
    () => (owner === undefined ? Promise.resolve(undefined) : api.deployments()),
    [props.name],
  );
  usePoll(limit.reload, LIMITS_REFRESH_MS);
  const [editing, setEditing] = useState(false);
  const l = limit.data;
  return (
    <div class="page">
      <nav class="breadcrumbs" aria-label="Breadcrumbs">
        <a href={paths.concurrencyLimits()}>Concurrency limits</a> / <span>{props.name}</span>
      </nav>
      {/* A failed refresh keeps the last answer on screen, with the error above it. */}
      {limit.error !== undefined && <ErrorBox error={limit.error} />}
      {l === undefined && limit.error === undefined && <Loading what="the limit" />}
      {l !== undefined && (
        <>
          <header class="page-header limit-header">
            <h1 class="limit-title">{l.name}</h1>
            {l.slotDecayPerSecond > 0 && <span class="pill rate-pill">rate limit</span>}
            <ActiveSwitch limit={l} onChanged={limit.set} />
            <div class="spacer" />
            <Actions name={l.name} onReset={limit.reload} />
          </header>
          <LimitOwner name={l.name} deployments={deploymentsById(deployments.data?.deployments)} />
          <div class="columns">
            <Card title="Slots" class="grow limit-slots">
              <div class="limit-meter">
                <SlotsBar held={l.slotsHeld} limit={l.limit} active={l.active} />
                <span class="muted small">
                  {l.active
                    ? `${l.holders.length} holding · ${l.waiters.length} waiting`
                    : "inactive: nothing waits for it"}
                </span>
              </div>
              <dl class="facts">
                <dt>Limit</dt>
                <dd data-testid="limit-value">{l.limit}</dd>
                <dt>Slot decay</dt>
                <dd>{decayText(l.slotDecayPerSecond)}</dd>
                <dt>Created</dt>
                <dd>
                  <When at={l.createdAt} />
                </dd>
                <dt>Updated</dt>
                <dd>
                  <When at={l.updatedAt} />
                </dd>
              </dl>
            </Card>
            <Card
              title="Settings"
              class="side limit-settings"
              actions={
                !editing && (
                  <button type="button" class="button small" onClick={() => setEditing(true)}>
                    Edit
                  </button>
                )
              }
            >
              {editing ? (
                <LimitForm
                  initial={l}
                  saveLabel="Save"
                  onCancel={() => setEditing(false)}
                  onSave={async (body) => {
                    limit.set(await api.updateConcurrencyLimit(l.name, body));
                    setEditing(false);
                  }}
                />
              ) : (
                <p class="muted small">
                  Raising the limit admits waiters at once; lowering it lets current holders finish.
                  A slot decay above 0 makes it a rate limit.
                </p>
              )}
            </Card>
          </div>
          <Card title={`Holders (${l.holders.length})`} class="limit-holders">
            <HoldersTable holders={l.holders} />
          </Card>
          <Card title={`Waiters (${l.waiters.length})`} class="limit-waiters">
            <WaitersTable waiters={l.waiters} />
          </Card>
        </>
      )}
    </div>
  );
}
