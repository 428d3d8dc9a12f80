import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  CancelledError,
  deserializeError,
  FlowRunError,
  NonDeterminismError,
  NonRetryableError,
  ParameterValidationError,
  RetryAfterError,
  registerErrorClass,
  type SerializedError,
  serializeError,
  TimeoutError,
  UsageError,
  WeirError,
} from "./errors.ts";
import { Failed } from "./states.ts";

/** Serializes, goes through JSON text as the journal does, and deserializes. */
function throughJournal(error: unknown): Error {
  return deserializeError(JSON.parse(JSON.stringify(serializeError(error))) as SerializedError);
}

const simpleClasses = [
  WeirError,
  NonRetryableError,
  TimeoutError,
  CancelledError,
  NonDeterminismError,
  UsageError,
] as const;

describe("error classes", () => {
  for (const cls of simpleClasses) {
    test(`${cls.name} sets its name, keeps its message and cause`, () => {
      const cause = new Error("root");
      const error = new cls("it broke", { cause });
      assert.equal(error.name, cls.name);
      assert.equal(error.message, "it broke");
      assert.equal(error.cause, cause);
      assert.ok(error instanceof WeirError);
      assert.ok(error instanceof Error);
      assert.equal(typeof error.stack, "string");
      assert.equal(new cls("no cause").cause, undefined);
      assert.equal(String(error), `${cls.name}: it broke`);
    });
  }

  test("RetryAfterError converts its delay to milliseconds", () => {
    assert.equal(new RetryAfterError("x", 30).retryAfterMs, 30_000);
    assert.equal(new RetryAfterError("x", 2.5).retryAfterMs, 2_500);
    assert.equal(new RetryAfterError("x", "1m30s").retryAfterMs, 90_000);
    assert.equal(new RetryAfterError("x", "250ms").retryAfterMs, 250);
    assert.equal(new RetryAfterError("x", 0).retryAfterMs, 0);
    const error = new RetryAfterError("rate limited", "5s", { cause: "429" });
    assert.equal(error.name, "RetryAfterError");
    assert.equal(error.cause, "429");
    assert.ok(error instanceof WeirError);
  });

  test("RetryAfterError with a date in the past waits 0ms; one in the future waits until it", () => {
    assert.equal(new RetryAfterError("x", new Date(0)).retryAfterMs, 0);
    const hour = 3_600_000;
    const future = new RetryAfterError("x", new Date(Date.now() + hour)).retryAfterMs;
    assert.ok(future > 0 && future <= hour, `retryAfterMs ${future}`);
  });

  test("RetryAfterError rejects a delay that is not a duration", () => {
    assert.throws(() => new RetryAfterError("x", -1), RangeError);
    assert.throws(() => new RetryAfterError("x", "soon"), {
      name: "RangeError",
      message: /Cannot parse "soon" as retryAfter/,
    });
  });

  test("ParameterValidationError lists its issues in the message and names the first field", () => {
    const error = new ParameterValidationError("cat-fact", [
      { field: "url", message: "Invalid URL" },
      { field: "source.limit", message: "Expected number" },
    ]);
    assert.equal(error.name, "ParameterValidationError");
    assert.equal(
      error.message,
      "Invalid parameters for flow 'cat-fact': url: Invalid URL; source.limit: Expected number",
    );
    assert.equal(error.field, "url");
    assert.deepEqual(error.issues, [
      { field: "url", message: "Invalid URL" },
      { field: "source.limit", message: "Expected number" },
    ]);
    const whole = new ParameterValidationError("f", [{ field: "", message: "Expected object" }]);
    assert.equal(whole.message, "Invalid parameters for flow 'f': Expected object");
    assert.equal(whole.field, "");
    assert.equal(new ParameterValidationError("f", []).field, "");
  });

  test("FlowRunError keeps the run id, the final state and the cause", () => {
    const state = Failed(1000, { message: "boom" });
    const cause = new TimeoutError("slow");
    const error = new FlowRunError("run failed", "run-1", state, { cause });
    assert.equal(error.name, "FlowRunError");
    assert.equal(error.runId, "run-1");
    assert.deepEqual(error.state, state);
    assert.equal(error.cause, cause);
  });
});

describe("serializeError / deserializeError", () => {
  test("serialized errors are plain JSON data with name, message, stack, cause and fields", () => {
    const error = new RetryAfterError("slow down", "2s", { cause: new TypeError("fetch failed") });
    const data = serializeError(error);
    assert.equal(data.name, "RetryAfterError");
    assert.equal(data.message, "slow down");
    assert.equal(data.stack, error.stack);
    assert.deepEqual(data.data, { retryAfterMs: 2000 });
    assert.ok(data.cause !== undefined && "name" in data.cause);
    assert.equal(data.cause.name, "TypeError");
    assert.equal(data.cause.message, "fetch failed");
    assert.deepEqual(JSON.parse(JSON.stringify(data)), data);
    assert.equal(serializeError(new Error("plain")).data, undefined);
    assert.equal(serializeError(new Error("plain")).cause, undefined);
  });

  for (const cls of simpleClasses) {
    test(`${cls.name} survives the journal as itself`, () => {
      const original = new cls("it broke", { cause: new RangeError("inner") });
      const back = throughJournal(original);
      assert.ok(back instanceof cls);
      assert.ok(back instanceof WeirError);
      assert.equal(back.name, cls.name);
      assert.equal(back.message, "it broke");
      assert.equal(back.stack, original.stack);
      assert.ok(back.cause instanceof RangeError);
      assert.equal(back.cause.message, "inner");
    });
  }

  test("RetryAfterError survives the journal with retryAfterMs", () => {
    const back = throughJournal(new RetryAfterError("rate limited", "45s"));
    assert.ok(back instanceof RetryAfterError);
    assert.equal(back.retryAfterMs, 45_000);
    assert.equal(back.message, "rate limited");
  });

  test("ParameterValidationError survives the journal with its issues and field", () => {
    const issues = [
      { field: "day", message: "Invalid date" },
      { field: "limit", message: "Too big" },
    ];
    const original = new ParameterValidationError("report", issues);
    const back = throughJournal(original);
    assert.ok(back instanceof ParameterValidationError);
    assert.deepEqual(back.issues, issues);
    assert.equal(back.field, "day");
    assert.equal(back.message, original.message);
  });

  test("FlowRunError survives the journal with its run id, state and cause", () => {
    const state = Failed(5, { message: "x" });
    const back = throughJournal(
      new FlowRunError("failed", "run-9", state, { cause: new NonRetryableError("bad input") }),
    );
    assert.ok(back instanceof FlowRunError);
    assert.equal(back.runId, "run-9");
    assert.deepEqual(back.state, state);
    assert.ok(back.cause instanceof NonRetryableError);
  });

  test("built-in error classes come back as themselves", () => {
    for (const cls of [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError]) {
      const back = throughJournal(new cls("m"));
      assert.ok(back instanceof cls, cls.name);
      assert.equal(back.name, cls.name);
      assert.equal(back.message, "m");
    }
    const uri = throughJournal(new URIError("bad uri"));
    assert.ok(uri instanceof URIError);
  });

  test("a cause chain comes back with every class in order", () => {
    const original = new NonRetryableError("top", {
      cause: new TimeoutError("middle", {
        cause: new RetryAfterError("bottom", 1, { cause: { status: 429, retry: "1s" } }),
      }),
    });
    const top = throughJournal(original);
    assert.ok(top instanceof NonRetryableError);
    const middle = top.cause;
    assert.ok(middle instanceof TimeoutError);
    assert.equal(middle.message, "middle");
    const bottom = middle.cause;
    assert.ok(bottom instanceof RetryAfterError);
    assert.equal(bottom.retryAfterMs, 1000);
    assert.deepEqual(bottom.cause, { status: 429, retry: "1s" });
  });

  test("non-error causes are kept as JSON data, or as text when they are not JSON", () => {
    assert.equal(throughJournal(new Error("x", { cause: "because" })).cause, "because");
    assert.equal(throughJournal(new Error("x", { cause: 42 })).cause, 42);
    assert.deepEqual(throughJournal(new Error("x", { cause: [1, { a: null }] })).cause, [
      1,
      { a: null },
    ]);
    assert.equal(throughJournal(new Error("x", { cause: 5n })).cause, "5");
  });

  test("cause chains are cut after 8 levels, so cycles cannot loop", () => {
    let deep: Error = new Error("level 0");
    for (let i = 1; i <= 12; i++) deep = new Error(`level ${i}`, { cause: deep });
    let data: SerializedError | undefined = serializeError(deep);
    const messages: string[] = [];
    while (data !== undefined) {
      messages.push(data.message);
      data = data.cause !== undefined && "name" in data.cause ? data.cause : undefined;
    }
    assert.deepEqual(
      messages,
      Array.from({ length: 9 }, (_, i) => `level ${12 - i}`),
    );
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    Object.defineProperty(a, "cause", { value: b, configurable: true });
    let levels = 0;
    for (let d: SerializedError["cause"] = serializeError(a); d && "name" in d; d = d.cause) {
      levels++;
    }
    assert.equal(levels, 9, "a cycle is cut after 8 causes");
    const back = throughJournal(a);
    assert.equal(back.message, "a");
    assert.equal((back.cause as Error).message, "b");
  });

  test("own fields of any error are kept (e.g. code)", () => {
    const error = Object.assign(new TypeError("connect failed"), {
      code: "ECONNREFUSED",
      port: 443,
    });
    const back = throughJournal(error);
    assert.ok(back instanceof TypeError);
    assert.equal((back as TypeError & { code: string }).code, "ECONNREFUSED");
    assert.equal((back as TypeError & { port: number }).port, 443);
  });

  test("a serialized error deserialized and serialized again is unchanged", () => {
    const data = JSON.parse(
      JSON.stringify(
        serializeError(
          new ParameterValidationError("f", [{ field: "a", message: "b" }], {
            cause: new RetryAfterError("r", 3),
          }),
        ),
      ),
    ) as SerializedError;
    assert.deepEqual(JSON.parse(JSON.stringify(serializeError(deserializeError(data)))), data);
  });

  test("an unregistered name comes back as an Error that keeps the name", () => {
    const back = deserializeError({ name: "ErrorsTestUnknownError", message: "who am I" });
    assert.equal(Object.getPrototypeOf(back), Error.prototype);
    assert.equal(back.name, "ErrorsTestUnknownError");
    assert.equal(back.message, "who am I");
    assert.equal(String(back), "ErrorsTestUnknownError: who am I");
  });

  test("registerErrorClass makes a custom class come back as itself", () => {
    class ErrorsTestQuotaError extends Error {
      override name = "ErrorsTestQuotaError";
      quota = 0;
      constructor(message: string, quota: number) {
        super(message);
        this.quota = quota;
      }
      describe(): string {
        return `${this.message} (quota ${this.quota})`;
      }
    }
    const before = throughJournal(new ErrorsTestQuotaError("over quota", 5));
    assert.ok(!(before instanceof ErrorsTestQuotaError), "not registered yet");
    assert.equal(before.name, "ErrorsTestQuotaError");
    registerErrorClass(ErrorsTestQuotaError);
    const back = throughJournal(new ErrorsTestQuotaError("over quota", 5));
    assert.ok(back instanceof ErrorsTestQuotaError);
    assert.equal(back.quota, 5);
    assert.equal(back.describe(), "over quota (quota 5)");
    assert.equal(back.name, "ErrorsTestQuotaError");
  });

  test("registerErrorClass under another name maps that name to the class", () => {
    class ErrorsTestAliased extends Error {}
    registerErrorClass(ErrorsTestAliased, "ErrorsTestLegacyName");
    const back = deserializeError({ name: "ErrorsTestLegacyName", message: "old journal" });
    assert.ok(back instanceof ErrorsTestAliased);
    assert.equal(back.name, "ErrorsTestLegacyName");
  });

  test("thrown values that are not errors become Errors that describe them", () => {
    assert.deepEqual(serializeError("plain text"), { name: "Error", message: "plain text" });
    assert.deepEqual(serializeError(42), { name: "Error", message: "Non-error value thrown: 42" });
    assert.deepEqual(serializeError({ code: 7 }), {
      name: "Error",
      message: 'Non-error value thrown: {"code":7}',
    });
    assert.deepEqual(serializeError(null), {
      name: "Error",
      message: "Non-error value thrown: null",
    });
    assert.deepEqual(serializeError(undefined), {
      name: "Error",
      message: "Non-error value thrown: undefined",
    });
    assert.deepEqual(serializeError(10n), { name: "Error", message: "Non-error value thrown: 10" });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.equal(serializeError(cyclic).message, "Non-error value thrown: [object Object]");
    const back = throughJournal("plain text");
    assert.ok(back instanceof Error);
    assert.equal(back.message, "plain text");
  });
});
