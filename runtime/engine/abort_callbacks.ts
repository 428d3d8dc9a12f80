/**
 * Abort callbacks without an event listener per caller. Every task attempt must stop when its
 * step's signal aborts, and most attempts end long before that. Adding and removing an
 * `EventTarget` listener per attempt costs a listener record and an options check each time
 * (a few percent of a step in Node); here each signal gets one listener, on first use, that
 * calls a list of callbacks. Adding one links a small node; removing it unlinks the node, with
 * no hashing and no table that V8 reallocates whenever it empties (as a `Set`'s is).
 *
 * @module
 */

/** A callback added with {@link onAbort}: pass it to {@link offAbort} to remove it. */
export class AbortCallback {
  prev: AbortCallback | undefined = undefined;
  next: AbortCallback | undefined = undefined;
  constructor(
    readonly run: () => void,
    /** The list it is in; undefined once it ran or was removed. */
    public list: Callbacks | undefined,
  ) {}
}

/** The callbacks of one signal, oldest first. */
class Callbacks {
  first: AbortCallback | undefined = undefined;
  last: AbortCallback | undefined = undefined;

  add(node: AbortCallback): void {
    node.prev = this.last;
    if (this.last === undefined) this.first = node;
    else this.last.next = node;
    this.last = node;
  }

  remove(node: AbortCallback): void {
    if (node.prev === undefined) this.first = node.next;
    else node.prev.next = node.next;
    if (node.next === undefined) this.last = node.prev;
    else node.next.prev = node.prev;
    node.prev = node.next = node.list = undefined;
  }

  /** Calls each callback once, in order; one removed meanwhile is not called. */
  fire(): void {
    for (let node = this.first; node !== undefined; node = this.first) {
      this.remove(node);
      node.run();
    }
  }
}

const callbacksOf = new WeakMap<AbortSignal, Callbacks>();

/**
 * Calls `callback` once when `signal` aborts (at once if it already has), unless
 * {@link offAbort} removes it first. Callbacks run in the order they were added, and must not
 * throw.
 *
 * @example
 * ```ts
 * const added = onAbort(signal, () => controller.abort(signal.reason));
 * try { await work(); } finally { offAbort(added); }
 * ```
 */
export function onAbort(signal: AbortSignal, callback: () => void): AbortCallback {
  if (signal.aborted) {
    callback();
    return new AbortCallback(callback, undefined);
  }
  let callbacks = callbacksOf.get(signal);
  if (callbacks === undefined) {
    const list = new Callbacks();
    callbacks = list;
    callbacksOf.set(signal, list);
    signal.addEventListener(
      "abort",
      () => {
        callbacksOf.delete(signal);
        list.fire();
      },
      { once: true },
    );
  }
  const added = new AbortCallback(callback, callbacks);
  callbacks.add(added);
  return added;
}

/**
 * Removes a callback added with {@link onAbort}; does nothing if it already ran.
 *
 * @example
 * ```ts
 * offAbort(added);
 * ```
 */
export function offAbort(added: AbortCallback): void {
  added.list?.remove(added);
}
