/**
 * `logPrints`: console output written while a task runs becomes that task's log lines, as
 * Prefect's `log_prints=True` does. Browsers have no AsyncLocalStorage, so attribution is by
 * elimination: while exactly one capturing task runs, its output is its own; while several
 * run at once, output cannot be attributed and passes through to the console unchanged.
 *
 * @module
 */

type ConsoleMethod = "log" | "info" | "warn" | "error" | "debug";
type Target = (level: "DEBUG" | "INFO" | "WARNING" | "ERROR", message: string) => void;

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

function install(): void {
  for (const method of Object.keys(LEVEL_OF) as ConsoleMethod[]) {
    console[method] = (...args: unknown[]) => {
      const [only, ...others] = active;
      if (only !== undefined && others.length === 0) only(LEVEL_OF[method], formatArgs(args));
      else originalConsole[method](...args);
    };
  }
}

function uninstall(): void {
  for (const method of Object.keys(LEVEL_OF) as ConsoleMethod[]) {
    console[method] = originalConsole[method];
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
    return await fn();
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
