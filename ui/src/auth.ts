/**
 * The API token, for a Worker with `WEIR_API_TOKEN` set. When the API answers 401 the client
 * asks for the token (the dialog in components/token_dialog.tsx), keeps it in localStorage and
 * retries; every request waiting on the answer goes on once it is given.
 *
 * @module
 */

import { signal } from "@preact/signals";

const STORAGE_KEY = "weir.apiToken";

function stored(): string | null {
  try {
    return window.localStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage can be off (private modes, policies); the token then lasts for the page.
    return null;
  }
}

/** The token sent as `Authorization: Bearer <token>`, or null. */
export const token = signal<string | null>(stored());

/** Set while the API wants a token: the API's message, shown in the dialog. */
export const tokenRequest = signal<{ readonly message: string } | null>(null);

type Waiter = { resolve: () => void; reject: (error: Error) => void };
const waiters: Waiter[] = [];

/**
 * Asks for a token and resolves when one is saved (rejects if the person cancels). Calls made
 * while the dialog is open wait on the same answer.
 *
 * @example
 * ```ts
 * await askForToken("The bearer token is not valid");
 * ```
 */
export function askForToken(message: string): Promise<void> {
  tokenRequest.value = { message };
  return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
}

/**
 * Saves a token and lets waiting requests retry with it.
 *
 * @example
 * ```ts
 * saveToken(input.value);
 * ```
 */
export function saveToken(value: string): void {
  const trimmed = value.trim();
  try {
    window.localStorage.setItem(STORAGE_KEY, trimmed);
  } catch {
    // Kept in memory only; see stored().
  }
  token.value = trimmed;
  tokenRequest.value = null;
  for (const waiter of waiters.splice(0)) waiter.resolve();
}

/**
 * Closes the dialog without a token: waiting requests fail with the API's 401 message.
 *
 * @example
 * ```ts
 * cancelTokenRequest();
 * ```
 */
export function cancelTokenRequest(): void {
  const message = tokenRequest.value?.message ?? "An API token is needed";
  tokenRequest.value = null;
  for (const waiter of waiters.splice(0)) waiter.reject(new Error(message));
}

/**
 * Forgets the stored token.
 *
 * @example
 * ```ts
 * forgetToken();
 * ```
 */
export function forgetToken(): void {
  try {
    window.localStorage.removeItem(STORAGE_KEY);
  } catch {
    // Nothing stored.
  }
  token.value = null;
}
