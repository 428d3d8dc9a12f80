/**
 * Logs of flow runs and task runs: a {@link Logger} for user code, {@link LogRecord} data with
 * timestamps, and the {@link LogSink} port that stores or prints them. The executor hands a
 * step's records to the sink before it journals the step's end, so an acknowledged step never
 * loses its log lines.
 *
 * @module
 */

import { originalConsole } from "./console_capture.ts";

/** Log levels, with Prefect's names and Python's numbers. */
export const LogLevel = {
  DEBUG: 10,
  INFO: 20,
  WARNING: 30,
  ERROR: 40,
  CRITICAL: 50,
} as const;
/** One of the {@link LogLevel} names. */
export type LogLevelName = keyof typeof LogLevel;

/** One log line. */
export interface LogRecord {
  readonly runId: string;
  /** Set when a task run (or another step) wrote the line. */
  readonly stepId?: string;
  /** "Flow run 'crimson-otter'" or "Task run 'fetch-fact-0'": who wrote it, for people. */
  readonly source: string;
  readonly level: LogLevelName;
  readonly message: string;
  /** Epoch ms. */
  readonly timestamp: number;
}

/**
 * Where log records go. `write` may buffer; `flush` resolves once every record written before
 * it is stored.
 *
 * @example
 * ```ts
 * const sink: LogSink = { write: (r) => console.log(r.message) };
 * ```
 */
export interface LogSink {
  write(record: LogRecord): void;
  flush?(): Promise<void> | void;
  /**
   * True when this sink's reader renders the engine's own state-change lines from the run's
   * journal (`engineLine`), as the Worker does when logs are read: the engine then does not
   * write them here, so a task step that logs nothing writes no line. Every other line is
   * written as usual.
   */
  readonly rendersEngineLines?: boolean;
}

/**
 * The logger user code gets from its context.
 *
 * @example
 * ```ts
 * ctx.logger.info(`fetched ${rows.length} rows`);
 * ```
 */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  critical(message: string): void;
}

/**
 * Makes a {@link Logger} that writes records with a fixed run, step and source.
 *
 * @example
 * ```ts
 * const logger = createLogger(sink, () => Date.now(), { runId: "r1", source: "Flow run 'x'" });
 * ```
 */
export function createLogger(
  sink: LogSink,
  now: () => number,
  base: { runId: string; stepId?: string; source: string },
  enabled: () => boolean = ALWAYS,
): Logger {
  return new RecordLogger(sink, now, base, enabled);
}

const ALWAYS = () => true;

/**
 * A logger whose methods work detached (`const { info } = logger`), for user code.
 *
 * @example
 * ```ts
 * const { info } = boundLogger(logger);
 * info("still logs");
 * ```
 */
export function boundLogger(logger: Logger): Logger {
  return {
    debug: (message) => logger.debug(message),
    info: (message) => logger.info(message),
    warning: (message) => logger.warning(message),
    error: (message) => logger.error(message),
    critical: (message) => logger.critical(message),
  };
}

/** A logger that writes records: one object per step, methods on the prototype. */
class RecordLogger implements Logger {
  constructor(
    readonly sink: LogSink,
    readonly now: () => number,
    readonly base: { runId: string; stepId?: string; source: string },
    readonly enabled: () => boolean,
  ) {}
  debug(message: string): void {
    this.#emit("DEBUG", message);
  }
  info(message: string): void {
    this.#emit("INFO", message);
  }
  warning(message: string): void {
    this.#emit("WARNING", message);
  }
  error(message: string): void {
    this.#emit("ERROR", message);
  }
  critical(message: string): void {
    this.#emit("CRITICAL", message);
  }
  #emit(level: LogLevelName, message: string): void {
    if (!this.enabled()) return;
    const base = this.base;
    const record: LogRecord =
      base.stepId === undefined
        ? {
            runId: base.runId,
            source: base.source,
            level,
            message: String(message),
            timestamp: this.now(),
          }
        : {
            runId: base.runId,
            stepId: base.stepId,
            source: base.source,
            level,
            message: String(message),
            timestamp: this.now(),
          };
    this.sink.write(record);
  }
}

/**
 * Keeps log records in memory, in order.
 *
 * @example
 * ```ts
 * const logs = new InMemoryLogStore();
 * await myFlow.run(params, { logs });
 * logs.records.filter((r) => r.level === "ERROR");
 * ```
 */
export class InMemoryLogStore implements LogSink {
  readonly records: LogRecord[] = [];
  write(record: LogRecord): void {
    this.records.push(record);
  }
  /** The messages of one run (and optionally one step), in order. */
  messages(runId: string, stepId?: string): string[] {
    return this.records
      .filter((r) => r.runId === runId && (stepId === undefined || r.stepId === stepId))
      .map((r) => r.message);
  }
}

/**
 * Prints records as Prefect does:
 * `12:01:02.345 | INFO    | Task run 'fetch-fact-0' - Finished in state Completed()`.
 *
 * @example
 * ```ts
 * await myFlow.run(params, { logs: new ConsoleLogSink({ level: "DEBUG" }) });
 * ```
 */
export class ConsoleLogSink implements LogSink {
  readonly #min: number;
  constructor(options: { level?: LogLevelName } = {}) {
    this.#min = LogLevel[options.level ?? "INFO"];
  }
  write(record: LogRecord): void {
    if (LogLevel[record.level] < this.#min) return;
    const line = formatLogLine(record);
    if (LogLevel[record.level] >= LogLevel.ERROR) originalConsole.error(line);
    else originalConsole.log(line);
  }
}

/**
 * Formats a record as one Prefect-style line, in local time.
 *
 * @example
 * ```ts
 * formatLogLine(record); // "12:01:02.345 | INFO    | Flow run 'crimson-otter' - Beginning flow run ..."
 * ```
 */
export function formatLogLine(record: LogRecord): string {
  const d = new Date(record.timestamp);
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
  return `${time} | ${record.level.padEnd(8)}| ${record.source} - ${record.message}`;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/**
 * Sends every record to several sinks.
 *
 * @example
 * ```ts
 * const sink = teeSinks(new InMemoryLogStore(), new ConsoleLogSink());
 * ```
 */
export function teeSinks(...sinks: LogSink[]): LogSink {
  return {
    write(record) {
      for (const sink of sinks) sink.write(record);
    },
    async flush() {
      for (const sink of sinks) await sink.flush?.();
    },
  };
}
