/**
 * A deployment's concurrency: its limit (at most N of its runs at once), what a run over it
 * does (ENQUEUE: waits in line as AwaitingConcurrencySlot; CANCEL_NEW: is cancelled), and the
 * parameter that keys it; editable (PATCH /api/deployments/{id}) with the API's 422 next to
 * the input it names. Below, its `deployment:<id>` limit (one per key value when keyed) with
 * the runs holding and waiting, linked to the limit's page.
 *
 * @module
 */

import { useState } from "preact/hooks";
import { ApiRequestError, api, errorMessage } from "../api/client.ts";
import type { CollisionStrategy, ConcurrencyLimit, Deployment } from "../api/types.ts";
import { ErrorBox } from "../components/common.tsx";
import { deploymentOfLimit, numberOf } from "../lib/limits.ts";
import { paths } from "../lib/routes.ts";
import { HoldersTable, WaitersTable } from "../limits/slot_tables.tsx";
import { SlotsBar } from "../limits/slots_bar.tsx";

const STRATEGY_WORDS: Record<CollisionStrategy, string> = {
  ENQUEUE: "ENQUEUE: a run over the limit waits in line, first in first out",
  CANCEL_NEW: "CANCEL_NEW: a run over the limit is cancelled",
};

type Field = "concurrencyLimit" | "collisionStrategy" | "concurrencyKey";

function fieldOf(error: unknown): Field | undefined {
  if (!(error instanceof ApiRequestError) || error.field === undefined) return undefined;
  const last = error.field.split(".").pop();
  return last === "concurrencyLimit" || last === "collisionStrategy" || last === "concurrencyKey"
    ? last
    : undefined;
}

function FieldError(props: { field: Field; message: string | undefined }) {
  if (props.message === undefined) return null;
  return (
    <p class="field-error" id={`deployment-${props.field}-error`} role="alert">
      {props.message}
    </p>
  );
}

function Editor(props: {
  deployment: Deployment;
  onSaved(next: Deployment): void;
  onCancel(): void;
}) {
  const d = props.deployment;
  const [limit, setLimit] = useState(d.concurrencyLimit === null ? "" : String(d.concurrencyLimit));
  const [strategy, setStrategy] = useState<CollisionStrategy>(d.collisionStrategy);
  const [key, setKey] = useState(d.concurrencyKey ?? "");
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setSaving(true);
    setErrors({});
    setFormError(undefined);
    try {
      props.onSaved(
        await api.updateDeployment(d.id, {
          // Empty: no limit. Text that is not a number goes as typed, for the API's 422.
          concurrencyLimit: numberOf(limit, true) ?? null,
          collisionStrategy: strategy,
          concurrencyKey: key.trim() === "" ? null : key.trim(),
        }),
      );
    } catch (error) {
      const field = fieldOf(error);
      if (field === undefined) setFormError(errorMessage(error));
      else setErrors({ [field]: errorMessage(error) });
    } finally {
      setSaving(false);
    }
  }
  const invalid = (field: Field) => ({
    "aria-invalid": errors[field] !== undefined,
    "aria-describedby": errors[field] !== undefined ? `deployment-${field}-error` : undefined,
  });
  return (
    <form class="limit-form" aria-label="Deployment concurrency" noValidate onSubmit={submit}>
      {formError !== undefined && (
        <div class="error-box" role="alert">
          {formError}
        </div>
      )}
      <div class="field" data-field="concurrencyLimit">
        <label for="deployment-concurrencyLimit" class="field-label">
          Concurrency limit <span class="field-type">runs at once, empty for none</span>
        </label>
        <input
          id="deployment-concurrencyLimit"
          name="concurrencyLimit"
          inputMode="numeric"
          autocomplete="off"
          placeholder="no limit"
          value={limit}
          onInput={(e) => setLimit(e.currentTarget.value)}
          {...invalid("concurrencyLimit")}
        />
        <FieldError field="concurrencyLimit" message={errors.concurrencyLimit} />
      </div>
      <div class="field" data-field="collisionStrategy">
        <label for="deployment-collisionStrategy" class="field-label">
          Collision strategy
        </label>
        <select
          id="deployment-collisionStrategy"
          name="collisionStrategy"
          value={strategy}
          onChange={(e) => setStrategy(e.currentTarget.value as CollisionStrategy)}
          {...invalid("collisionStrategy")}
        >
          <option value="ENQUEUE">ENQUEUE: wait in line</option>
          <option value="CANCEL_NEW">CANCEL_NEW: cancel the new run</option>
        </select>
        <FieldError field="collisionStrategy" message={errors.collisionStrategy} />
      </div>
      <div class="field" data-field="concurrencyKey">
        <label for="deployment-concurrencyKey" class="field-label">
          Concurrency key <span class="field-type">parameter name or path, optional</span>
        </label>
        <input
          id="deployment-concurrencyKey"
          name="concurrencyKey"
          class="mono"
          autocomplete="off"
          spellcheck={false}
          placeholder="customer.id"
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
          {...invalid("concurrencyKey")}
        />
        <p class="field-hint">The limit then applies per value of this parameter.</p>
        <FieldError field="concurrencyKey" message={errors.concurrencyKey} />
      </div>
      <div class="buttons">
        <button type="button" class="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" class="button primary" disabled={saving}>
          {saving ? "Saving…" : "Save"}
        </button>
      </div>
    </form>
  );
}

/**
 * The deployment's settings, with Edit.
 *
 * @example
 * ```tsx
 * <DeploymentConcurrency deployment={d} onChanged={deployment.set} />
 * ```
 */
export function DeploymentConcurrency(props: {
  deployment: Deployment;
  onChanged(next: Deployment): void;
}) {
  const d = props.deployment;
  const [editing, setEditing] = useState(false);
  if (editing) {
    return (
      <Editor
        deployment={d}
        onCancel={() => setEditing(false)}
        onSaved={(next) => {
          setEditing(false);
          props.onChanged(next);
        }}
      />
    );
  }
  return (
    <>
      <dl class="facts" data-testid="deployment-concurrency">
        <dt>Limit</dt>
        <dd data-testid="concurrency-limit">
          {d.concurrencyLimit === null ? (
            <span class="muted">none</span>
          ) : (
            `${d.concurrencyLimit} ${d.concurrencyLimit === 1 ? "run" : "runs"} at once`
          )}
        </dd>
        <dt>Collision</dt>
        <dd data-testid="collision-strategy">
          {STRATEGY_WORDS[d.collisionStrategy] ?? d.collisionStrategy}
        </dd>
        <dt>Key</dt>
        <dd data-testid="concurrency-key">
          {d.concurrencyKey === null ? (
            <span class="muted">none: one limit for all its runs</span>
          ) : (
            <>
              per value of <code>{d.concurrencyKey}</code>
            </>
          )}
        </dd>
      </dl>
      <div class="buttons">
        <button type="button" class="button small" onClick={() => setEditing(true)}>
          Edit concurrency
        </button>
      </div>
    </>
  );
}

/**
 * The deployment's limits in force now, with their holders and waiters; nothing when it has
 * none (no limit, or no run has asked for a slot yet).
 *
 * @example
 * ```tsx
 * <DeploymentLimits limits={mine} error={limits.error} />
 * ```
 */
export function DeploymentLimits(props: {
  limits: readonly ConcurrencyLimit[] | undefined;
  error: unknown;
}) {
  if (props.error !== undefined) return <ErrorBox error={props.error} />;
  const limits = props.limits ?? [];
  if (limits.length === 0) return null;
  return (
    <div class="deployment-limits">
      {limits.map((l) => {
        const key = deploymentOfLimit(l.name)?.key ?? null;
        return (
          <section key={l.name} class="deployment-limit" data-limit={l.name}>
            <header class="deployment-limit-header">
              <a class="strong limit-name" href={paths.concurrencyLimit(l.name)}>
                {l.name}
              </a>
              {key !== null && (
                <span class="muted small">
                  key <code>{key}</code>
                </span>
              )}
              <SlotsBar held={l.slotsHeld} limit={l.limit} active={l.active} />
            </header>
            {l.holders.length === 0 && l.waiters.length === 0 ? (
              <p class="muted small">No slot is held and nothing waits.</p>
            ) : (
              <>
                <h3>Holders ({l.holders.length})</h3>
                <HoldersTable holders={l.holders} />
                <h3>Waiters ({l.waiters.length})</h3>
                <WaitersTable waiters={l.waiters} />
              </>
            )}
          </section>
        );
      })}
    </div>
  );
}
