/**
 * A run's actions: Cancel (while it is not final), Retry (a failed, crashed or cancelled run,
 * from its failed step), and Send event (for `waitForEvent`; kept if the run is not waiting
 * yet). Each shows the API's message when it is refused.
 *
 * @module
 */

import { useState } from "preact/hooks";
import { api } from "../api/client.ts";
import type { RunDetail } from "../api/types.ts";
import { ErrorBox } from "../components/common.tsx";
import { isFinalType } from "../lib/format.ts";
import { parseJson } from "../lib/schema_form.ts";

function EventForm(props: { run: RunDetail; onDone(run: RunDetail): void; onClose(): void }) {
  const [name, setName] = useState("");
  const [payload, setPayload] = useState("");
  const [error, setError] = useState<unknown>();
  const [sending, setSending] = useState(false);
  async function send(event: Event) {
    event.preventDefault();
    setError(undefined);
    if (name.trim() === "") {
      setError(new Error("Name the event, e.g. approved"));
      return;
    }
    let value: unknown;
    if (payload.trim() !== "") {
      const parsed = parseJson(payload);
      if (!parsed.ok) {
        setError(new Error(`The payload is not valid JSON: ${parsed.message}`));
        return;
      }
      value = parsed.value;
    }
    setSending(true);
    try {
      props.onDone(await api.sendEvent(props.run.id, name.trim(), value));
      props.onClose();
    } catch (e) {
      setError(e);
    } finally {
      setSending(false);
    }
  }
  return (
    <form class="event-form" onSubmit={send} aria-label="Send an event">
      <label class="field">
        <span class="field-label">Event name</span>
        <input
          name="event-name"
          value={name}
          placeholder="approved"
          onInput={(e) => setName(e.currentTarget.value)}
        />
      </label>
      <label class="field">
        <span class="field-label">
          Payload <span class="field-type">JSON, optional</span>
        </span>
        <textarea
          name="event-payload"
          class="mono"
          rows={3}
          spellcheck={false}
          placeholder='{"by": "ana"}'
          value={payload}
          onInput={(e) => setPayload(e.currentTarget.value)}
        />
      </label>
      {error !== undefined && <ErrorBox error={error} />}
      <div class="buttons">
        <button type="button" class="button" onClick={props.onClose}>
          Close
        </button>
        <button type="submit" class="button primary" disabled={sending}>
          {sending ? "Sending…" : "Send event"}
        </button>
      </div>
    </form>
  );
}

/**
 * The action buttons, and the event form when open.
 *
 * @example
 * ```tsx
 * <RunActions run={run} onChanged={live.accept} />
 * ```
 */
export function RunActions(props: { run: RunDetail; onChanged(run: RunDetail): void }) {
  const { run } = props;
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState<string | null>(null);
  const [eventOpen, setEventOpen] = useState(false);
  const type = run.state?.type;
  const final = isFinalType(type);

  async function act(label: string, call: () => Promise<RunDetail>) {
    setError(undefined);
    setBusy(label);
    try {
      props.onChanged(await call());
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  }

  return (
    <div class="run-actions">
      <div class="buttons">
        {!final && (
          <button
            type="button"
            class="button danger"
            disabled={busy !== null || type === "CANCELLING"}
            onClick={() => act("cancel", () => api.cancel(run.id, "Cancelled from the UI"))}
          >
            {busy === "cancel" ? "Cancelling…" : "Cancel"}
          </button>
        )}
        {final && type !== "COMPLETED" && (
          <button
            type="button"
            class="button primary"
            disabled={busy !== null}
            title="Run it again from the step that failed; completed steps are kept"
            onClick={() => act("retry", () => api.retry(run.id))}
          >
            {busy === "retry" ? "Retrying…" : "Retry"}
          </button>
        )}
        {!final && (
          <button
            type="button"
            class="button"
            aria-expanded={eventOpen}
            onClick={() => setEventOpen((o) => !o)}
          >
            Send event
          </button>
        )}
      </div>
      {error !== undefined && <ErrorBox error={error} />}
      {eventOpen && !final && (
        <EventForm run={run} onDone={props.onChanged} onClose={() => setEventOpen(false)} />
      )}
    </div>
  );
}
