/**
 * `logPrints`: console output written while a task runs becomes that task's log lines, as
 * Prefect's `log_prints=True` does. Browsers have no AsyncLocalStorage, so by default
 * attribution is by elimination: while exactly one capturing task runs, its output is its own;
 * while several run at once, output cannot be attributed and passes through to the console
 * unchanged. A host with async context (Node, Deno, workerd) installs a
 * {@link ConsoleAttribution} and every line finds its task.
 *
 * @module
 */

type ConsoleMethod = "log" | "info" | "warn" | "error" | "debug";

/** Where a captured console line goes. */
export type ConsoleTarget = (
  level: "DEBUG" | "INFO" | "WARNING" | "ERROR",
  message: string,
) => void;
type Target = ConsoleTarget;

/**
 * Async context a host provides so console output is attributed exactly, even with several
 * tasks printing at once (see `hosts/async_local_storage.ts`).
 */
export interface ConsoleAttribution {
  /** Runs `fn` with `target` as the current capture, across its awaits. */
  run<T>(target: ConsoleTarget, fn: () => T): T;
  /** The capture of the code now running, if any. */
  current(): ConsoleTarget | undefined;
}

let attribution: ConsoleAttribution | undefined;

/**
 * Installs (or, with `undefined`, removes) exact console attribution for this process.
 *
 * @example
 * ```ts
 * setConsoleAttribution(asyncLocalStorageAttribution());
 * ```
 */
export function setConsoleAttribution(value: ConsoleAttribution | undefined): void {
  attribution = value;
}

/** The console's own methods, captured before any patching. Sinks print with these. */
export const originalConsole: Readonly<Record<ConsoleMethod, (...args: unknown[]) => void>> = {
  log: console.log.bind(console),
  info: console.info.bind(console),
  warn: console.warn.bind(console),
  error: console.error.bind(console),
  debug: console.debug.bind(console),
};

const LEVEL_OF = {
  log: "INFO",
  info: "INFO",
  warn: "WARNING",
  error: "ERROR",
  debug: "DEBUG",
} as const;

const active = new Set<Target>();
/** The console's methods as they were when capturing began (another patch may be in place). */
let previous: Record<ConsoleMethod, (...args: unknown[]) => void> = { ...originalConsole };

function install(): void {
  previous = {
    log: console.log,
    info: console.info,
    warn: console.warn,
    error: console.error,
    debug: console.debug,
  };
  for (const method of Object.keys(LEVEL_OF) as ConsoleMethod[]) {
    const passThrough = previous[method];
    console[method] = (...args: unknown[]) => {
      let target: Target | undefined;
      if (attribution !== undefined) target = attribution.current();
      else if (active.size === 1) [target] = active;
      if (target !== undefined && active.has(target)) target(LEVEL_OF[method], formatArgs(args));
      else passThrough.apply(console, args);
    };
  }
}

function uninstall(): void {
  for (const method of Object.keys(LEVEL_OF) as ConsoleMethod[]) {
    console[method] = previous[method];
  }
}

/**
 * Sends console output to `target` while `fn` runs (see the module note on attribution).
 *
 * @example
 * ```ts
 * await captureConsole((level, msg) => logger.info(msg), () => work());
 * ```
 */
export async function captureConsole<T>(target: Target, fn: () => Promise<T>): Promise<T> {
  if (active.size === 0) install();
  active.add(target);
  try {
    return await (attribution === undefined ? fn() : attribution.run(target, fn));
  } finally {
    active.delete(target);
    if (active.size === 0) uninstall();
  }
}

function formatArgs(args: unknown[]): string {
  return args
    .map((arg) => {
      if (typeof arg === "string") return arg;
      if (arg instanceof Error) return arg.stack ?? `${arg.name}: ${arg.message}`;
      try {
        return JSON.stringify(arg);
      } catch {
        return String(arg);
      }
    })
    .join(" ");
}
