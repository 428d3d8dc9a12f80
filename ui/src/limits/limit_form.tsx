/**
 * The form that creates a concurrency limit (name, limit, slot decay per second) or changes
 * one (limit, slot decay per second). The API checks the values: its 422 is shown next to the
 * input it names (or above the form when it names none), so the UI and the API cannot
 * disagree on what is valid.
 *
 * @module
 */

import { useState } from "preact/hooks";
import { ApiRequestError, errorMessage, type LimitBody } from "../api/client.ts";
import type { ConcurrencyLimit } from "../api/types.ts";
import { type LimitField, limitFieldOf, numberOf } from "../lib/limits.ts";

type Errors = Partial<Record<LimitField, string>>;

function FieldError(props: { field: LimitField; message: string | undefined }) {
  if (props.message === undefined) return null;
  return (
    <p class="field-error" id={`limit-${props.field}-error`} role="alert">
      {props.message}
    </p>
  );
}

/**
 * The form. Without `initial` it creates (and asks for the name); with it, it edits.
 * `onSave` sends the body and throws the API's error.
 *
 * @example
 * ```tsx
 * <LimitForm saveLabel="Create limit" onSave={(body) => api.createConcurrencyLimit(body)} onCancel={close} />
 * ```
 */
export function LimitForm(props: {
  initial?: ConcurrencyLimit;
  saveLabel: string;
  onSave(body: LimitBody): Promise<void>;
  onCancel(): void;
}) {
  const editing = props.initial !== undefined;
  const [name, setName] = useState("");
  const [limit, setLimit] = useState(
    props.initial === undefined ? "" : String(props.initial.limit),
  );
  const [decay, setDecay] = useState(
    props.initial === undefined || props.initial.slotDecayPerSecond === 0
      ? ""
      : String(props.initial.slotDecayPerSecond),
  );
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    const body: LimitBody = {};
    if (!editing) body.name = name.trim();
    body.limit = numberOf(limit) ?? "";
    // Empty decay: a plain concurrency limit (0) when editing, the API's default when creating.
    const rate = numberOf(decay, true);
    if (rate !== undefined) body.slotDecayPerSecond = rate;
    else if (editing) body.slotDecayPerSecond = 0;
    setSaving(true);
    setErrors({});
    setFormError(undefined);
    try {
      await props.onSave(body);
    } catch (error) {
      const field = error instanceof ApiRequestError ? limitFieldOf(error.field) : undefined;
      // Only the inputs on screen take a message; any other goes above the form.
      const shown =
        field === "limit" || field === "slotDecayPerSecond" || (field === "name" && !editing);
      if (field === undefined || !shown) setFormError(errorMessage(error));
      else setErrors({ [field]: errorMessage(error) });
    } finally {
      setSaving(false);
    }
  }

  const invalid = (field: LimitField) => ({
    "aria-invalid": errors[field] !== undefined,
    "aria-describedby": errors[field] !== undefined ? `limit-${field}-error` : undefined,
  });

  return (
    <form
      class="limit-form"
      aria-label={editing ? "Edit limit" : "New limit"}
      noValidate
      onSubmit={submit}
    >
      {formError !== undefined && (
        <div class="error-box" role="alert">
          {formError}
        </div>
      )}
      <div class="limit-fields">
        {!editing && (
          <div class="field" data-field="name">
            <label for="limit-name" class="field-label">
              Name <span class="required">*</span>
            </label>
            <input
              id="limit-name"
              name="name"
              autocomplete="off"
              spellcheck={false}
              placeholder="db"
              value={name}
              onInput={(e) => setName(e.currentTarget.value)}
              {...invalid("name")}
            />
            <p class="field-hint">A tag's name limits the task runs carrying that tag.</p>
            <FieldError field="name" message={errors.name} />
          </div>
        )}
        <div class="field" data-field="limit">
          <label for="limit-limit" class="field-label">
            Limit <span class="required">*</span> <span class="field-type">slots</span>
          </label>
          <input
            id="limit-limit"
            name="limit"
            inputMode="numeric"
            autocomplete="off"
            placeholder="2"
            value={limit}
            onInput={(e) => setLimit(e.currentTarget.value)}
            {...invalid("limit")}
          />
          <p class="field-hint">How many slots may be held at once; 0 lets nothing start.</p>
          <FieldError field="limit" message={errors.limit} />
        </div>
        <div class="field" data-field="slotDecayPerSecond">
          <label for="limit-slotDecayPerSecond" class="field-label">
            Slot decay per second <span class="field-type">optional</span>
          </label>
          <input
            id="limit-slotDecayPerSecond"
            name="slotDecayPerSecond"
            inputMode="decimal"
            autocomplete="off"
            placeholder="0"
            value={decay}
            onInput={(e) => setDecay(e.currentTarget.value)}
            {...invalid("slotDecayPerSecond")}
          />
          <p class="field-hint">
            More than 0 makes a rate limit: released slots free up gradually.
          </p>
          <FieldError field="slotDecayPerSecond" message={errors.slotDecayPerSecond} />
        </div>
      </div>
      <div class="buttons">
        <button type="button" class="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" class="button primary" disabled={saving}>
          {saving ? "Saving…" : props.saveLabel}
        </button>
      </div>
    </form>
  );
}
