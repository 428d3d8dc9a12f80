/**
 * Client-side navigation over the History API: the current location as a signal, `navigate`,
 * and plain `<a href>` links made to navigate without a reload. A router library would add a
 * dependency for less than these few lines; matching paths is lib/routes.ts.
 *
 * @module
 */

import { signal } from "@preact/signals";

/** Where the page is. */
export interface Place {
  readonly path: string;
  readonly search: string;
}

function here(): Place {
  return { path: window.location.pathname, search: window.location.search };
}

/** The current location; pages re-render when it changes. */
export const place = signal<Place>(here());

/**
 * Goes to a path in the UI (pushing history, or replacing the entry, e.g. for filter edits).
 *
 * @example
 * ```ts
 * navigate(paths.run(run.id));
 * ```
 */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace === true) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  const before = place.value.path;
  place.value = here();
  if (options.replace !== true && before !== place.value.path) window.scrollTo(0, 0);
}

/**
 * Makes same-origin links navigate inside the UI (except /api links, new tabs and downloads),
 * and follows the back and forward buttons.
 *
 * @example
 * ```ts
 * installRouter();
 * ```
 */
export function installRouter(): void {
  window.addEventListener("popstate", () => {
    place.value = here();
  });
  document.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element | null)?.closest?.("a");
    if (anchor === null || anchor === undefined) return;
    if (anchor.target !== "" || anchor.hasAttribute("download")) return;
    const url = new URL(anchor.href, window.location.href);
    if (url.origin !== window.location.origin || url.pathname.startsWith("/api/")) return;
    event.preventDefault();
    navigate(`${url.pathname}${url.search}${url.hash}`);
  });
}
