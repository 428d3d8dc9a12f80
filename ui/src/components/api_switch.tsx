/**
 * An on/off switch whose state is the API's: a click asks the API to change it and the switch
 * shows the answer (or the API's message when it refuses). The deployment's pause switch and
 * a concurrency limit's active switch are both this.
 *
 * @module
 */

import { useState } from "preact/hooks";
import { errorMessage } from "../api/client.ts";

/**
 * The switch.
 *
 * @example
 * ```tsx
 * <ApiSwitch on={l.active} label="Limit db active" text={l.active ? "Active" : "Inactive"}
 *   title="…" testId="active-state" flip={() => api.updateConcurrencyLimit(l.name, { active: !l.active })}
 *   onChanged={(next) => data.set(next)} />
 * ```
 */
export function ApiSwitch<T>(props: {
  on: boolean;
  /** The accessible name. */
  label: string;
  /** The state in a word, shown beside the switch. */
  text: string;
  /** What on and off mean, as a tooltip. */
  title: string;
  testId: string;
  flip(): Promise<T>;
  onChanged(next: T): void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  async function toggle(event: Event) {
    // The checkbox shows what the API says, not the click: put it back until it answers.
    (event.currentTarget as HTMLInputElement).checked = props.on;
    setBusy(true);
    setError(undefined);
    try {
      props.onChanged(await props.flip());
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <span class="switch-wrap">
      <label class="switch" title={props.title}>
        <input
          type="checkbox"
          role="switch"
          name="active"
          checked={props.on}
          aria-checked={props.on}
          disabled={busy}
          aria-label={props.label}
          onChange={toggle}
        />
        <span class="switch-track" aria-hidden="true" />
        <span class="switch-text" data-testid={props.testId}>
          {props.text}
        </span>
      </label>
      {error !== undefined && (
        <span class="error-text" role="alert">
          {errorMessage(error)}
        </span>
      )}
    </span>
  );
}
