/**
 * Abort callbacks without an event listener per caller. Every task attempt must stop when its
 * step's signal aborts, and most attempts end long before that. Adding and removing an
 * `EventTarget` listener per attempt costs a listener record and an options check each time
 * (a few percent of a step in Node); here each signal gets one listener, on first use, that
 * calls a set of callbacks, so an attempt costs a `Set.add` and a `Set.delete`.
 *
 * @module
 */

const callbacksOf = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Calls `callback` once when `signal` aborts (at once if it already has), until
 * {@link offAbort} removes it. Callbacks run in the order they were added.
 *
 * @example
 * ```ts
 * const stop = () => controller.abort(signal.reason);
 * onAbort(signal, stop);
 * try { await work(); } finally { offAbort(signal, stop); }
 * ```
 */
export function onAbort(signal: AbortSignal, callback: () => void): void {
  if (signal.aborted) {
    callback();
    return;
  }
  let callbacks = callbacksOf.get(signal);
  if (callbacks === undefined) {
    const set = new Set<() => void>();
    callbacks = set;
    callbacksOf.set(signal, set);
    signal.addEventListener(
      "abort",
      () => {
        callbacksOf.delete(signal);
        for (const run of set) run();
        set.clear();
      },
      { once: true },
    );
  }
  callbacks.add(callback);
}

/**
 * Removes a callback added with {@link onAbort}; does nothing if it already ran.
 *
 * @example
 * ```ts
 * offAbort(signal, stop);
 * ```
 */
export function offAbort(signal: AbortSignal, callback: () => void): void {
  callbacksOf.get(signal)?.delete(callback);
}
