/**
 * The schedule editor: the kind (cron, interval or RRULE), its value, the time zone (any IANA
 * name, with the browser's list as suggestions) and, for intervals, the anchor date; a live
 * preview of the next five times from POST /api/schedules/preview, in the schedule's own zone;
 * and the API's 422 shown next to the input it names, from the preview as you type and from
 * saving.
 *
 * @module
 */

import { useEffect, useMemo, useState } from "preact/hooks";
import { ApiRequestError, api, errorMessage } from "../api/client.ts";
import type { SchedulePreview, ScheduleSpec } from "../api/types.ts";
import { formatRelative } from "../lib/format.ts";
import {
  type DraftField,
  draftFieldOf,
  draftFromSpec,
  localTimeZone,
  SCHEDULE_KINDS,
  type ScheduleDraft,
  type ScheduleKind,
  specFromDraft,
  splitIso,
  timeZones,
} from "../lib/schedules.ts";

/** How long typing pauses before the preview is asked for. */
const PREVIEW_DELAY_MS = 300;

type Errors = Partial<Record<DraftField, string>>;

/** An API error as messages next to inputs, or above the form when it names none. */
function place(error: unknown): { errors: Errors; formError?: string } {
  const field = error instanceof ApiRequestError ? draftFieldOf(error.field) : undefined;
  const message = errorMessage(error);
  return field === undefined
    ? { errors: {}, formError: message }
    : { errors: { [field]: message } };
}

function FieldError(props: { id: string; message: string | undefined }) {
  if (props.message === undefined) return null;
  return (
    <p class="field-error" id={props.id} role="alert">
      {props.message}
    </p>
  );
}

function Preview(props: { preview: SchedulePreview | undefined; loading: boolean }) {
  const { preview } = props;
  const now = Date.now();
  return (
    <div class="schedule-preview" data-testid="schedule-preview" aria-live="polite">
      {preview === undefined ? (
        <p class="muted small">
          {props.loading ? "Working out the next times…" : "The next times show here."}
        </p>
      ) : (
        <>
          <p class="schedule-words">{preview.description}</p>
          {preview.times.length === 0 ? (
            <p class="muted small">This schedule has no more times.</p>
          ) : (
            <ol class="preview-times">
              {preview.times.map((iso) => {
                const parts = splitIso(iso);
                const at = Date.parse(iso);
                return (
                  <li key={iso} data-time={iso}>
                    <time dateTime={iso} class="mono">
                      {parts === undefined ? iso : `${parts.date} ${parts.time}`}
                    </time>
                    {parts !== undefined && <span class="muted small"> {parts.offset}</span>}
                    {Number.isFinite(at) && (
                      <span class="muted small"> · {formatRelative(at, now)}</span>
                    )}
                  </li>
                );
              })}
            </ol>
          )}
        </>
      )}
    </div>
  );
}

/**
 * The editor. `onSave` sends the spec (it throws the API's error, shown next to its input).
 *
 * @example
 * ```tsx
 * <ScheduleEditor saveLabel="Add schedule" onSave={(spec) => api.addSchedule(id, { schedule: spec })} onCancel={close} />
 * ```
 */
export function ScheduleEditor(props: {
  initial?: ScheduleSpec;
  saveLabel: string;
  onSave(spec: ScheduleSpec): Promise<void>;
  onCancel(): void;
}) {
  const [draft, setDraft] = useState<ScheduleDraft>(() =>
    draftFromSpec(props.initial, localTimeZone()),
  );
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [preview, setPreview] = useState<SchedulePreview | undefined>();
  const [previewing, setPreviewing] = useState(false);
  const [saving, setSaving] = useState(false);
  const zones = useMemo(() => timeZones(), []);
  const kind = SCHEDULE_KINDS[draft.kind];

  // The preview follows the inputs, after a pause in typing; a newer request aborts the older.
  useEffect(() => {
    const read = specFromDraft(draft);
    if (!read.ok) {
      setPreview(undefined);
      return;
    }
    const controller = new AbortController();
    setPreviewing(true);
    const timer = setTimeout(() => {
      api.previewSchedule({ schedule: read.spec, count: 5 }, controller.signal).then(
        (answer) => {
          setPreview(answer);
          setErrors({});
          setFormError(undefined);
          setPreviewing(false);
        },
        (error: unknown) => {
          if (controller.signal.aborted) return;
          const placed = place(error);
          setPreview(undefined);
          setErrors(placed.errors);
          setFormError(placed.formError);
          setPreviewing(false);
        },
      );
    }, PREVIEW_DELAY_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [draft]);

  const set = (change: Partial<ScheduleDraft>) => setDraft((d) => ({ ...d, ...change }));

  async function submit(event: Event) {
    event.preventDefault();
    const read = specFromDraft(draft);
    if (!read.ok) {
      setErrors({ [read.field]: read.message });
      return;
    }
    setSaving(true);
    setFormError(undefined);
    try {
      await props.onSave(read.spec);
    } catch (error) {
      const placed = place(error);
      setErrors(placed.errors);
      setFormError(placed.formError);
    } finally {
      setSaving(false);
    }
  }

  const invalid = (field: DraftField) => ({
    "aria-invalid": errors[field] !== undefined,
    "aria-describedby": errors[field] !== undefined ? `schedule-${field}-error` : undefined,
  });

  return (
    <form class="schedule-editor" aria-label="Schedule" noValidate onSubmit={submit}>
      {formError !== undefined && (
        <div class="error-box" role="alert">
          {formError}
        </div>
      )}
      <fieldset class="kind-picker">
        <legend class="field-label">Kind</legend>
        {(Object.keys(SCHEDULE_KINDS) as ScheduleKind[]).map((k) => (
          <label key={k} class={`kind-option${draft.kind === k ? " active" : ""}`}>
            <input
              type="radio"
              name="schedule-kind"
              value={k}
              checked={draft.kind === k}
              onChange={() => set({ kind: k, value: "", anchorDate: "" })}
            />
            {SCHEDULE_KINDS[k].label}
          </label>
        ))}
      </fieldset>
      <div class="schedule-fields">
        <div class="field" data-field="value">
          <label for="schedule-value" class="field-label">
            {kind.input}
            {draft.kind === "interval" && <span class="field-type">seconds or duration</span>}
          </label>
          <input
            id="schedule-value"
            name="schedule-value"
            class="mono"
            autocomplete="off"
            spellcheck={false}
            placeholder={kind.placeholder}
            value={draft.value}
            onInput={(e) => set({ value: e.currentTarget.value })}
            {...invalid("value")}
          />
          <p class="field-hint">{kind.hint}</p>
          <FieldError id="schedule-value-error" message={errors.value} />
        </div>
        <div class="field" data-field="timezone">
          <label for="schedule-timezone" class="field-label">
            Time zone <span class="field-type">IANA name, empty for UTC</span>
          </label>
          <input
            id="schedule-timezone"
            name="schedule-timezone"
            list="schedule-zones"
            autocomplete="off"
            spellcheck={false}
            placeholder="UTC"
            value={draft.timezone}
            onInput={(e) => set({ timezone: e.currentTarget.value })}
            {...invalid("timezone")}
          />
          <datalist id="schedule-zones">
            {zones.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
          <FieldError id="schedule-timezone-error" message={errors.timezone} />
        </div>
        {draft.kind === "interval" && (
          <div class="field" data-field="anchorDate">
            <label for="schedule-anchorDate" class="field-label">
              Anchor date <span class="field-type">optional, ISO 8601</span>
            </label>
            <input
              id="schedule-anchorDate"
              name="schedule-anchorDate"
              class="mono"
              autocomplete="off"
              placeholder="2026-01-01T09:00:00+01:00"
              value={draft.anchorDate}
              onInput={(e) => set({ anchorDate: e.currentTarget.value })}
              {...invalid("anchorDate")}
            />
            <p class="field-hint">The intervals are counted from this time.</p>
            <FieldError id="schedule-anchorDate-error" message={errors.anchorDate} />
          </div>
        )}
      </div>
      <h3>Next 5 times</h3>
      <Preview preview={preview} loading={previewing} />
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
