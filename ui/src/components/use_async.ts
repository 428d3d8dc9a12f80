/**
 * Loading data for a page: the value, the error (the API's message, shown instead of a blank
 * page), and `reload`. A newer load wins over an older one still in flight.
 *
 * @module
 */

import { useCallback, useEffect, useRef, useState } from "preact/hooks";

/** What {@link useAsync} gives a component. */
export interface Async<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  reload(): void;
  /** Replaces the value (after an action answered with a newer one). */
  set(value: T): void;
}

/**
 * Runs `load` when `deps` change and keeps its outcome.
 *
 * @example
 * ```ts
 * const flows = useAsync(() => api.flows(), []);
 * ```
 */
export function useAsync<T>(load: () => Promise<T>, deps: readonly unknown[]): Async<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({
    loading: true,
  });
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const run = useCallback(() => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    loadRef.current().then(
      (data) => {
        if (mine === generation.current) setState({ data, loading: false });
      },
      (error: unknown) => {
        if (mine === generation.current) setState((s) => ({ ...s, error, loading: false }));
      },
    );
  }, []);

  // Reloads when the caller's deps change: they list what `load` reads.
  useEffect(() => {
    setState({ loading: true });
    run();
    return () => {
      generation.current++;
    };
  }, deps);

  return {
    data: state.data,
    error: state.error,
    loading: state.loading,
    reload: run,
    set: (value: T) => {
      generation.current++;
      setState({ data: value, loading: false });
    },
  };
}
