import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type Duration, formatMillis, toMillis } from "./duration.ts";

describe("toMillis", () => {
  test("a number is seconds, as Prefect's retry_delay_seconds and timeout_seconds are", () => {
    assert.equal(toMillis(0), 0);
    assert.equal(toMillis(1), 1_000);
    assert.equal(toMillis(2.5), 2_500);
    assert.equal(toMillis(0.25), 250);
    assert.equal(toMillis(3600), 3_600_000);
  });

  test("strings are number-unit pairs in ms, s, m, h, d and w", () => {
    const cases: [string, number][] = [
      ["250ms", 250],
      ["0ms", 0],
      ["10s", 10_000],
      ["2.5s", 2_500],
      ["10m", 600_000],
      ["1h", 3_600_000],
      ["0.5h", 1_800_000],
      ["1d", 86_400_000],
      ["1w", 604_800_000],
      ["1h30m", 5_400_000],
      ["1m30s", 90_000],
      ["2d3h4m5s6ms", 2 * 86_400_000 + 3 * 3_600_000 + 4 * 60_000 + 5_000 + 6],
    ];
    for (const [text, ms] of cases) assert.equal(toMillis(text), ms, text);
  });

  test("'ms' is milliseconds, never minutes followed by something", () => {
    assert.equal(toMillis("5ms"), 5);
    assert.equal(toMillis("1m5ms"), 60_005);
    assert.equal(toMillis("5m"), 300_000);
  });

  test("whitespace between and inside pairs is ignored", () => {
    assert.equal(toMillis("1h 30m"), 5_400_000);
    assert.equal(toMillis(" 10 s "), 10_000);
    assert.equal(toMillis("1h\t5m"), 3_900_000);
  });

  test("repeated units add up", () => {
    assert.equal(toMillis("1m1m"), 120_000);
  });

  test("negative, NaN and infinite numbers are RangeErrors naming the value", () => {
    for (const [value, shown] of [
      [-1, "-1"],
      [-0.001, "-0.001"],
      [Number.NaN, "NaN"],
      [Number.POSITIVE_INFINITY, "Infinity"],
    ] as const) {
      assert.throws(
        () => toMillis(value),
        (error: unknown) => {
          assert.ok(error instanceof RangeError, `${shown}: ${String(error)}`);
          assert.ok(error.message.includes(shown), error.message);
          assert.match(error.message, /non-negative number of seconds/);
          return true;
        },
      );
    }
  });

  test("strings that are not durations are RangeErrors quoting the string", () => {
    for (const text of ["soon", "10", "1h30", "10x", "h", "-5s", "1.5.5s", "5 sec", "1H", "1,5s"]) {
      assert.throws(
        () => toMillis(text),
        (error: unknown) => {
          assert.ok(error instanceof RangeError, `${text}: ${String(error)}`);
          assert.ok(error.message.includes(JSON.stringify(text)), error.message);
          assert.match(error.message, /"1h30m"/);
          return true;
        },
        text,
      );
    }
  });

  test("an empty or blank string is a RangeError", () => {
    assert.throws(() => toMillis(""), /Cannot use an empty string as duration/);
    assert.throws(() => toMillis("   "), /Cannot use an empty string as duration/);
  });

  test("values of other types are TypeErrors naming the type", () => {
    assert.throws(() => toMillis(null as unknown as Duration), {
      name: "TypeError",
      message: /Cannot use object as duration/,
    });
    assert.throws(() => toMillis(true as unknown as Duration), {
      name: "TypeError",
      message: /Cannot use boolean as duration/,
    });
    assert.throws(() => toMillis(undefined as unknown as Duration), /Cannot use undefined/);
  });

  test("errors name what the duration was for", () => {
    assert.throws(() => toMillis("soon", "timeout"), /Cannot parse "soon" as timeout/);
    assert.throws(() => toMillis(-3, "retryDelay"), /Cannot use -3 as retryDelay/);
    assert.throws(() => toMillis("", "cache expiration"), /empty string as cache expiration/);
  });

  test("parsing is not affected by an earlier failed parse (the regex state is reset)", () => {
    assert.throws(() => toMillis("1h30"));
    assert.equal(toMillis("30m"), 1_800_000);
    assert.throws(() => toMillis("10s oops"));
    assert.equal(toMillis("10s"), 10_000);
  });
});

describe("formatMillis", () => {
  test("under a second: whole milliseconds", () => {
    assert.equal(formatMillis(0), "0ms");
    assert.equal(formatMillis(1), "1ms");
    assert.equal(formatMillis(250), "250ms");
    assert.equal(formatMillis(999), "999ms");
    assert.equal(formatMillis(12.4), "12ms");
  });

  test("under a minute: seconds with up to three decimals, trailing zeros dropped", () => {
    assert.equal(formatMillis(1_000), "1s");
    assert.equal(formatMillis(1_234), "1.234s");
    assert.equal(formatMillis(1_500), "1.5s");
    assert.equal(formatMillis(10_000), "10s");
    assert.equal(formatMillis(10_050), "10.05s");
    assert.equal(formatMillis(59_999), "59.999s");
  });

  test("a minute and more: minutes and whole seconds", () => {
    assert.equal(formatMillis(60_000), "1m");
    assert.equal(formatMillis(90_000), "1m30s");
    assert.equal(formatMillis(600_000), "10m");
    assert.equal(formatMillis(61_400), "1m1s");
    assert.equal(formatMillis(3_600_000), "60m");
    assert.equal(formatMillis(5_400_000), "90m");
  });

  test("seconds that round up to a full minute carry into the minutes (never '1m60s')", () => {
    assert.equal(formatMillis(119_600), "2m");
    assert.equal(formatMillis(119_400), "1m59s");
    assert.equal(formatMillis(179_999), "3m");
  });

  test("what it prints reads back with toMillis", () => {
    for (const ms of [0, 7, 999, 1_000, 1_234, 45_678, 60_000, 61_000, 90_000, 3_600_000]) {
      assert.equal(toMillis(formatMillis(ms)), ms, String(ms));
    }
    // Past a minute the print is rounded to whole seconds.
    assert.equal(toMillis(formatMillis(90_400)), 90_000);
  });
});
