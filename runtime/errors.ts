/**
 * Errors that steer retries and report why a run stopped. Every class sets `name`, keeps
 * `cause`, and survives the journal: {@link serializeError} turns an error into plain JSON
 * data and {@link deserializeError} turns it back into an instance of the same class.
 *
 * @module
 */

import { type Duration, toMillis } from "./duration.ts";

/** Base class of Weir's errors. */
export class WeirError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Thrown from a task to fail it at once, with no retries left or not.
 *
 * @example
 * ```ts
 * if (res.status === 404) throw new NonRetryableError(`no fact at ${url}`);
 * ```
 */
export class NonRetryableError extends WeirError {}

/**
 * Thrown from a task to retry it after a given delay, overriding `retryDelay` (for example a
 * `Retry-After` header). It still uses one of the task's retries.
 *
 * @example
 * ```ts
 * if (res.status === 429) throw new RetryAfterError("rate limited", "30s");
 * ```
 */
export class RetryAfterError extends WeirError {
  /** How long to wait before the next attempt, in milliseconds. */
  readonly retryAfterMs: number;
  /**
   * When given a `Date`: the moment to retry at (epoch ms). The executor measures the delay
   * against the run's clock, so fake clocks and durable hosts see the intended time.
   */
  declare readonly retryAt?: number;
  constructor(message: string, retryAfter: Duration | Date, options?: { cause?: unknown }) {
    super(message, options);
    if (retryAfter instanceof Date) {
      // Set only for a Date, so a duration-based error serializes without the field.
      (this as { retryAt?: number }).retryAt = retryAfter.getTime();
      this.retryAfterMs = Math.max(0, retryAfter.getTime() - Date.now());
    } else {
      this.retryAfterMs = toMillis(retryAfter, "retryAfter");
    }
  }
}

/**
 * A task, flow or wait ran past its timeout. The run's state is `TimedOut`.
 *
 * @example
 * ```ts
 * try { yield* waitForEvent("approved", { timeout: "1h" }); } catch (e) { if (e instanceof TimeoutError) ... }
 * ```
 */
export class TimeoutError extends WeirError {}

/**
 * The run was cancelled. Running tasks see their `signal` abort with this as its reason.
 *
 * @example
 * ```ts
 * if (error instanceof CancelledError) console.log("stopped by", error.message);
 * ```
 */
export class CancelledError extends WeirError {}

/**
 * Replaying a run's journal yielded a different step than the journal holds: the flow's code
 * changed, or it used time or randomness not taken from its context.
 *
 * @example
 * ```ts
 * new NonDeterminismError("run r1: step 3 was task 'a' in the journal, now task 'b'");
 * ```
 */
export class NonDeterminismError extends WeirError {}

/** One problem found while validating a flow's parameters. */
export interface ParameterIssue {
  /** Dotted path of the field, e.g. "source.url"; "" for the parameters object itself. */
  readonly field: string;
  readonly message: string;
}

/**
 * A flow's parameters did not match its schema. Raised before the flow body runs.
 *
 * @example
 * ```ts
 * new ParameterValidationError("cat-fact", [{ field: "url", message: "Invalid URL" }]).field; // "url"
 * ```
 */
export class ParameterValidationError extends WeirError {
  readonly issues: readonly ParameterIssue[];
  constructor(flowName: string, issues: readonly ParameterIssue[], options?: { cause?: unknown }) {
    const detail = issues
      .map((issue) => (issue.field ? `${issue.field}: ${issue.message}` : issue.message))
      .join("; ");
    super(`Invalid parameters for flow '${flowName}': ${detail}`, options);
    this.issues = issues;
  }
  /** The first field at fault. */
  get field(): string {
    return this.issues[0]?.field ?? "";
  }
}

/**
 * Thrown by `flow.run()` when the run does not complete. `state` is the final state and `cause`
 * the error that ended it.
 *
 * @example
 * ```ts
 * try { await myFlow.run(params); } catch (e) { if (e instanceof FlowRunError) console.log(e.state.name); }
 * ```
 */
export class FlowRunError extends WeirError {
  /**
   * When the run was refused for its parameters: the first field at fault (as on the
   * `ParameterValidationError` in `cause`), e.g. `"testDataRatio"`; else undefined.
   */
  declare readonly field?: string;
  /** When the run was refused for its parameters: every field at fault and why. */
  declare readonly issues?: readonly ParameterIssue[];
  constructor(
    message: string,
    readonly runId: string,
    readonly state: import("./states.ts").State,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    const cause = options?.cause;
    if (cause instanceof ParameterValidationError) {
      Object.assign(this, { field: cause.field, issues: cause.issues });
    }
  }
}

/** A misuse of the API, such as awaiting a task call inside a flow instead of `yield*`. */
export class UsageError extends WeirError {}

/** An error as plain JSON data, ready for the journal. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly cause?: SerializedError | { readonly value: unknown };
  /** Own enumerable fields of the error (e.g. `retryAfterMs`, `issues`, `code`). */
  readonly data?: Record<string, unknown>;
}

type ErrorClass = new (...args: never[]) => Error;

const errorClasses = new Map<string, ErrorClass>();

/**
 * Makes errors of a class come back from the journal as instances of that class. Weir's own
 * classes and the JavaScript built-ins are registered already.
 *
 * @example
 * ```ts
 * class QuotaError extends Error { name = "QuotaError"; }
 * registerErrorClass(QuotaError);
 * ```
 */
export function registerErrorClass(cls: ErrorClass, name: string = cls.name): void {
  errorClasses.set(name, cls);
}

for (const cls of [
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
  WeirError,
  NonRetryableError,
  RetryAfterError,
  TimeoutError,
  CancelledError,
  NonDeterminismError,
  ParameterValidationError,
  FlowRunError,
  UsageError,
]) {
  registerErrorClass(cls);
}

/**
 * Turns any thrown value into {@link SerializedError} data. Values that are not errors are
 * wrapped in an `Error` whose message describes them.
 *
 * @example
 * ```ts
 * const data = serializeError(new NonRetryableError("bad", { cause: new Error("root") }));
 * JSON.parse(JSON.stringify(data)).cause.message; // "root"
 * ```
 */
export function serializeError(error: unknown, depth = 0): SerializedError {
  if (!(error instanceof Error)) {
    return { name: "Error", message: describeThrown(error) };
  }
  const out: {
    name: string;
    message: string;
    stack?: string;
    cause?: SerializedError | { value: unknown };
    data?: Record<string, unknown>;
  } = { name: error.name, message: error.message };
  if (error.stack !== undefined) out.stack = error.stack;
  if ("cause" in error && error.cause !== undefined && depth < 8) {
    out.cause =
      error.cause instanceof Error
        ? serializeError(error.cause, depth + 1)
        : { value: jsonSafe(error.cause) };
  }
  const data: Record<string, unknown> = {};
  let hasData = false;
  for (const key of Object.keys(error)) {
    if (key === "name" || key === "message" || key === "stack" || key === "cause") continue;
    data[key] = jsonSafe((error as unknown as Record<string, unknown>)[key]);
    hasData = true;
  }
  if (hasData) out.data = data;
  return out;
}

/**
 * Rebuilds an error from {@link SerializedError} data, as an instance of its registered class
 * when there is one (see {@link registerErrorClass}), else as an `Error` with the same `name`.
 *
 * @example
 * ```ts
 * deserializeError(serializeError(new TimeoutError("slow"))) instanceof TimeoutError; // true
 * ```
 */
export function deserializeError(data: SerializedError): Error {
  const cls = errorClasses.get(data.name) ?? Error;
  const error = Object.create(cls.prototype) as Error;
  Object.defineProperty(error, "message", {
    value: data.message,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  Object.defineProperty(error, "name", { value: data.name, writable: true, configurable: true });
  if (data.stack !== undefined) {
    Object.defineProperty(error, "stack", {
      value: data.stack,
      writable: true,
      configurable: true,
    });
  }
  if (data.cause !== undefined) {
    const cause = "name" in data.cause ? deserializeError(data.cause) : data.cause.value;
    Object.defineProperty(error, "cause", { value: cause, writable: true, configurable: true });
  }
  if (data.data !== undefined) Object.assign(error, data.data);
  return error;
}

/**
 * An error as one line, `Name: message`, followed by its causes (`code` included when they
 * have one), so that "TypeError: fetch failed" also says which DNS or TLS error was behind it.
 *
 * @example
 * ```ts
 * describeError(new TypeError("fetch failed", { cause: Object.assign(new Error("getaddrinfo ENOTFOUND x.invalid"), { code: "ENOTFOUND" }) }));
 * // "TypeError: fetch failed (caused by Error: getaddrinfo ENOTFOUND x.invalid [ENOTFOUND])"
 * ```
 */
export function describeError(error: Error): string {
  let text = `${error.name}: ${error.message}`;
  let cause: unknown = error.cause;
  for (let depth = 0; cause !== undefined && cause !== null && depth < 4; depth++) {
    if (!(cause instanceof Error)) {
      text += ` (caused by ${typeof cause === "string" ? cause : String(jsonSafe(cause))})`;
      break;
    }
    const code = (cause as { code?: unknown }).code;
    const tag = typeof code === "string" && !cause.message.includes(code) ? ` [${code}]` : "";
    text += ` (caused by ${cause.name}: ${cause.message}${tag})`;
    cause = cause.cause;
  }
  return text;
}

/**
 * The stack frames of an error (its `stack` without the leading `Name: message` lines), for
 * the run's logs; "" when it has none.
 *
 * @example
 * ```ts
 * stackFrames(new Error("boom")); // "    at task (file:///app/flows.ts:12:9)\n    at ..."
 * ```
 */
export function stackFrames(error: Error): string {
  const lines = (error.stack ?? "").split("\n");
  const first = lines.findIndex((line) => /^\s+at\s/.test(line) || /@\S*:\d+:\d+$/.test(line));
  return first === -1 ? "" : lines.slice(first).join("\n");
}

/**
 * Whether an error must not be retried: a {@link NonRetryableError}, or a missing Deno
 * permission (an error named `NotCapable` or `PermissionDenied`), which no retry can grant.
 *
 * @example
 * ```ts
 * isNonRetryable(new NonRetryableError("404")); // true
 * ```
 */
export function isNonRetryable(error: Error): boolean {
  return (
    error instanceof NonRetryableError ||
    error.name === "NotCapable" ||
    error.name === "PermissionDenied"
  );
}

function describeThrown(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return `Non-error value thrown: ${JSON.stringify(value)}`;
  } catch {
    return `Non-error value thrown: ${String(value)}`;
  }
}

function jsonSafe(value: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(value ?? null));
  } catch {
    return String(value);
  }
}
