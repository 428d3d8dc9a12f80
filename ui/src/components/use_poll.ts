/**
 * Reloading a page's data every few seconds while the tab is visible (as the deployment page
 * does): holders and waiters change by themselves, and a hidden tab makes no requests.
 *
 * @module
 */

import { useEffect, useRef } from "preact/hooks";

/**
 * Calls `reload` every `ms` while the document is visible, and at once when it becomes
 * visible again.
 *
 * @example
 * ```ts
 * const limit = useAsync(() => api.concurrencyLimit(name), [name]);
 * usePoll(limit.reload, 2000);
 * ```
 */
export function usePoll(reload: () => void, ms: number): void {
  const latest = useRef(reload);
  latest.current = reload;
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") latest.current();
    }, ms);
    const onVisible = () => {
      if (document.visibilityState === "visible") latest.current();
    };
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [ms]);
}
