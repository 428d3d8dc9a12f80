/**
 * The token prompt: opens when the API answers 401, with the API's message; saving the token
 * retries every call that was waiting for it.
 *
 * @module
 */

import { useEffect, useRef, useState } from "preact/hooks";
import { cancelTokenRequest, saveToken, tokenRequest } from "../auth.ts";

/**
 * The dialog; render it once, at the root.
 *
 * @example
 * ```tsx
 * <TokenDialog />
 * ```
 */
export function TokenDialog() {
  const request = tokenRequest.value;
  const dialog = useRef<HTMLDialogElement>(null);
  const [value, setValue] = useState("");

  useEffect(() => {
    const el = dialog.current;
    if (el === null) return;
    if (request !== null && !el.open) {
      setValue("");
      el.showModal();
    } else if (request === null && el.open) el.close();
  }, [request]);

  return (
    <dialog
      ref={dialog}
      class="token-dialog"
      aria-labelledby="token-title"
      onCancel={(event) => {
        event.preventDefault();
        cancelTokenRequest();
      }}
    >
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault();
          if (value.trim() !== "") saveToken(value);
        }}
      >
        <h2 id="token-title">API token needed</h2>
        <p class="error-text" role="alert">
          {request?.message}
        </p>
        <p class="muted">
          This Worker has <code>WEIR_API_TOKEN</code> set. The token is kept in this browser's local
          storage and sent as <code>Authorization: Bearer …</code>.
        </p>
        <label class="field">
          <span class="field-label">Token</span>
          <input
            type="password"
            name="token"
            autocomplete="current-password"
            value={value}
            onInput={(e) => setValue(e.currentTarget.value)}
            required
          />
        </label>
        <div class="buttons">
          <button type="button" class="button" onClick={() => cancelTokenRequest()}>
            Cancel
          </button>
          <button type="submit" class="button primary">
            Save token
          </button>
        </div>
      </form>
    </dialog>
  );
}
