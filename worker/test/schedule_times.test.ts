// When schedules run (worker/scheduler/schedule_times.ts), inside workerd so that its Intl time
// zone data is what is tested: cron (5 and 6 fields, dayOr), intervals and RRULEs, across
// daylight-saving changes in New York and Berlin, and in Sao Paulo (no DST since 2019); bad
// schedules name their field. Pure functions: no clock, no storage.
import { Cron } from "croner";
import { describe, expect, it } from "vitest";
import type { ScheduleSpec } from "../../runtime/deployment.ts";
import {
  isoInZone,
  nextTimes,
  previousTime,
  scheduleProblem,
} from "../scheduler/schedule_times.ts";

function isoNext(spec: ScheduleSpec, from: string, count: number): string[] {
  const zone = spec.timezone ?? "UTC";
  return nextTimes(spec, Date.parse(from), { count }).map((t) => isoInZone(t, zone));
}

const NY = "America/New_York"; // 2026-03-08 02:00 -> 03:00, 2026-11-01 02:00 -> 01:00
const BERLIN = "Europe/Berlin"; // 2026-03-29 02:00 -> 03:00, 2026-10-25 03:00 -> 02:00
const SAO_PAULO = "America/Sao_Paulo";

describe("isoInZone", () => {
  it("writes the zone's offset at that instant, Z for zero", () => {
    expect(isoInZone(Date.UTC(2026, 10, 29, 3), SAO_PAULO)).toBe("2026-11-29T00:00:00-03:00");
    expect(isoInZone(Date.UTC(2026, 0, 15, 12), NY)).toBe("2026-01-15T07:00:00-05:00");
    expect(isoInZone(Date.UTC(2026, 6, 15, 12), NY)).toBe("2026-07-15T08:00:00-04:00");
    expect(isoInZone(Date.UTC(2026, 6, 15, 12), "Asia/Kolkata")).toBe("2026-07-15T17:30:00+05:30");
    expect(isoInZone(Date.UTC(2026, 6, 15, 12, 0, 0, 250), "UTC")).toBe("2026-07-15T12:00:00.250Z");
  });
});

describe("cron", () => {
  it("reads 5 fields at minute precision and 6 with seconds first", () => {
    expect(isoNext({ cron: "0 */2 * * *" }, "2026-01-01T00:00:00Z", 3)).toEqual([
      "2026-01-01T02:00:00Z",
      "2026-01-01T04:00:00Z",
      "2026-01-01T06:00:00Z",
    ]);
    expect(isoNext({ cron: "*/20 * * * * *" }, "2026-01-01T00:00:00Z", 3)).toEqual([
      "2026-01-01T00:00:20Z",
      "2026-01-01T00:00:40Z",
      "2026-01-01T00:01:00Z",
    ]);
  });

  it("runs at the zone's wall-clock time (Sao Paulo has no DST since 2019)", () => {
    expect(isoNext({ cron: "0 0 * * *", timezone: SAO_PAULO }, "2026-10-31T12:00:00Z", 3)).toEqual([
      "2026-11-01T00:00:00-03:00",
      "2026-11-02T00:00:00-03:00",
      "2026-11-03T00:00:00-03:00",
    ]);
  });

  it("dayOr (default true): a day matching day-of-month or day-of-week; false: both", () => {
    expect(isoNext({ cron: "0 0 13 * 5" }, "2026-01-01T00:00:00Z", 3)).toEqual([
      "2026-01-02T00:00:00Z",
      "2026-01-09T00:00:00Z",
      "2026-01-13T00:00:00Z",
    ]);
    expect(isoNext({ cron: "0 0 13 * 5", dayOr: false }, "2026-01-01T00:00:00Z", 2)).toEqual([
      "2026-02-13T00:00:00Z",
      "2026-03-13T00:00:00Z",
    ]);
  });

  it("spring forward: a fixed time in the gap runs when the clock jumps, in New York and Berlin", () => {
    expect(isoNext({ cron: "30 2 * * *", timezone: NY }, "2026-03-06T12:00:00Z", 3)).toEqual([
      "2026-03-07T02:30:00-05:00",
      "2026-03-08T03:00:00-04:00",
      "2026-03-09T02:30:00-04:00",
    ]);
    expect(isoNext({ cron: "30 2 * * *", timezone: BERLIN }, "2026-03-27T12:00:00Z", 3)).toEqual([
      "2026-03-28T02:30:00+01:00",
      "2026-03-29T03:00:00+02:00",
      "2026-03-30T02:30:00+02:00",
    ]);
    // A list is a fixed time too; its 02:00 and 03:00 fall on one instant, which runs once.
    expect(isoNext({ cron: "0 2,3 * * *", timezone: NY }, "2026-03-08T00:00:00Z", 3)).toEqual([
      "2026-03-08T03:00:00-04:00",
      "2026-03-09T02:00:00-04:00",
      "2026-03-09T03:00:00-04:00",
    ]);
  });

  it("spring forward: a wildcard or step schedule skips the hour that does not exist", () => {
    expect(isoNext({ cron: "30 * * * *", timezone: NY }, "2026-03-08T05:00:00Z", 3)).toEqual([
      "2026-03-08T00:30:00-05:00",
      "2026-03-08T01:30:00-05:00",
      "2026-03-08T03:30:00-04:00",
    ]);
    expect(isoNext({ cron: "0 */2 * * *", timezone: BERLIN }, "2026-03-28T22:00:00Z", 3)).toEqual([
      "2026-03-29T00:00:00+01:00",
      "2026-03-29T04:00:00+02:00",
      "2026-03-29T06:00:00+02:00",
    ]);
  });

  it("fall back: a fixed time runs once, at its first occurrence", () => {
    expect(isoNext({ cron: "30 1 * * *", timezone: NY }, "2026-10-31T12:00:00Z", 2)).toEqual([
      "2026-11-01T01:30:00-04:00",
      "2026-11-02T01:30:00-05:00",
    ]);
    expect(isoNext({ cron: "30 2 * * *", timezone: BERLIN }, "2026-10-24T12:00:00Z", 2)).toEqual([
      "2026-10-25T02:30:00+02:00",
      "2026-10-26T02:30:00+01:00",
    ]);
  });

  it("fall back: a wildcard schedule runs on both occurrences of the repeated hour", () => {
    expect(isoNext({ cron: "30 * * * *", timezone: NY }, "2026-11-01T04:00:00Z", 4)).toEqual([
      "2026-11-01T00:30:00-04:00",
      "2026-11-01T01:30:00-04:00",
      "2026-11-01T01:30:00-05:00",
      "2026-11-01T02:30:00-05:00",
    ]);
    expect(isoNext({ cron: "30 * * * *", timezone: BERLIN }, "2026-10-25T00:00:00Z", 3)).toEqual([
      "2026-10-25T02:30:00+02:00",
      "2026-10-25T02:30:00+01:00",
      "2026-10-25T03:30:00+01:00",
    ]);
  });

  it("agrees with croner's own time zone handling across both DST changes, 5 and 6 fields", () => {
    for (const timezone of [NY, BERLIN, SAO_PAULO, "Australia/Lord_Howe"]) {
      for (const cron of [
        "30 2 * * *",
        "30 * * * *",
        "0 1,2,3 * * *",
        "*/20 * * * *",
        "0 9 * * 1-5",
        "0 0 13 * 5",
        "*/7 */3 * * * *",
        // L and # are walked by croner itself (cron_walk.ts leaves them out).
        "0 12 L * *",
        "0 2 * * 0#2",
      ]) {
        for (const from of [
          "2026-03-07T00:00:00Z",
          "2026-03-28T00:00:00Z",
          "2026-10-03T00:00:00Z",
          "2026-10-24T00:00:00Z",
          "2026-10-31T00:00:00Z",
        ]) {
          const theirs = new Cron(cron, {
            timezone,
            mode: "5-or-6-parts",
            fixedTimeRule: "no-wildcard",
          })
            .nextRuns(50, new Date(from))
            .map((d) => d.getTime());
          const ours = nextTimes({ cron, timezone }, Date.parse(from), { count: 50 });
          expect(ours, `${cron} in ${timezone} from ${from}`).toEqual(theirs);
          // previousTime finds each time again, and the one before it just before.
          for (let i = 1; i < theirs.length; i += 7) {
            const t = theirs[i] as number;
            expect(previousTime({ cron, timezone }, t)).toBe(t);
            expect(previousTime({ cron, timezone }, t - 1)).toBe(theirs[i - 1]);
          }
        }
      }
    }
  });
});

describe("interval", () => {
  it("counts from the anchor (default 2020-01-01T00:00:00Z); seconds or a duration", () => {
    expect(isoNext({ interval: "2h" }, "2026-01-01T01:00:00Z", 2)).toEqual([
      "2026-01-01T02:00:00Z",
      "2026-01-01T04:00:00Z",
    ]);
    expect(isoNext({ interval: 90 }, "2026-01-01T00:00:00Z", 2)).toEqual([
      "2026-01-01T00:01:30Z",
      "2026-01-01T00:03:00Z",
    ]);
    expect(
      isoNext({ interval: "90m", anchorDate: "2026-01-01T00:10:00Z" }, "2026-01-01T00:10:00Z", 2),
    ).toEqual(["2026-01-01T01:40:00Z", "2026-01-01T03:10:00Z"]);
  });

  it("whole days in a zone keep the wall-clock time across DST, in New York and Berlin", () => {
    const ny = { interval: "1d", anchorDate: "2026-01-01T09:00:00-05:00", timezone: NY };
    expect(isoNext(ny, "2026-03-06T15:00:00Z", 3)).toEqual([
      "2026-03-07T09:00:00-05:00",
      "2026-03-08T09:00:00-04:00",
      "2026-03-09T09:00:00-04:00",
    ]);
    const berlin = { interval: 86_400, anchorDate: "2026-01-01T09:00", timezone: BERLIN };
    expect(isoNext(berlin, "2026-10-24T12:00:00Z", 2)).toEqual([
      "2026-10-25T09:00:00+01:00",
      "2026-10-26T09:00:00+01:00",
    ]);
    // In the gap: when the clock jumps. Repeated: the first occurrence.
    const gap = { interval: "1d", anchorDate: "2026-01-01T02:30", timezone: NY };
    expect(isoNext(gap, "2026-03-07T12:00:00Z", 2)).toEqual([
      "2026-03-08T03:00:00-04:00",
      "2026-03-09T02:30:00-04:00",
    ]);
    const repeated = { interval: "1d", anchorDate: "2026-01-01T02:30", timezone: BERLIN };
    expect(isoNext(repeated, "2026-10-24T12:00:00Z", 2)).toEqual([
      "2026-10-25T02:30:00+02:00",
      "2026-10-26T02:30:00+01:00",
    ]);
  });

  it("other intervals are elapsed time, whatever the zone", () => {
    const spec = { interval: "1h", timezone: NY };
    expect(isoNext(spec, "2026-11-01T04:30:00Z", 3)).toEqual([
      "2026-11-01T01:00:00-04:00",
      "2026-11-01T01:00:00-05:00",
      "2026-11-01T02:00:00-05:00",
    ]);
  });
});

describe("rrule", () => {
  it("reads the rule in the schedule's zone, across DST in Berlin and New York", () => {
    const weekly = { rrule: "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0", timezone: BERLIN };
    expect(isoNext(weekly, "2026-03-20T00:00:00Z", 2)).toEqual([
      "2026-03-23T09:00:00+01:00",
      "2026-03-30T09:00:00+02:00",
    ]);
    const daily = { rrule: "RRULE:FREQ=DAILY;BYHOUR=2;BYMINUTE=30", timezone: NY };
    expect(isoNext(daily, "2026-03-07T12:00:00Z", 2)).toEqual([
      "2026-03-08T03:00:00-04:00",
      "2026-03-09T02:30:00-04:00",
    ]);
    expect(isoNext(daily, "2026-10-31T12:00:00Z", 2)).toEqual([
      "2026-11-01T02:30:00-05:00",
      "2026-11-02T02:30:00-05:00",
    ]);
  });

  it("takes the zone from DTSTART's TZID, and a UTC DTSTART as an instant", () => {
    const spec = {
      rrule: "DTSTART;TZID=America/New_York:20260101T093000\nRRULE:FREQ=WEEKLY;BYDAY=MO,FR",
    };
    expect(
      nextTimes(spec, Date.parse("2026-03-06T12:00:00Z"), { count: 2 }).map((t) =>
        isoInZone(t, NY),
      ),
    ).toEqual(["2026-03-06T09:30:00-05:00", "2026-03-09T09:30:00-04:00"]);
    const utc = { rrule: "DTSTART:20260101T120000Z\nRRULE:FREQ=DAILY;COUNT=3", timezone: BERLIN };
    expect(isoNext(utc, "2025-12-01T00:00:00Z", 5)).toEqual([
      "2026-01-01T13:00:00+01:00",
      "2026-01-02T13:00:00+01:00",
      "2026-01-03T13:00:00+01:00",
    ]);
    expect(previousTime(utc, Date.parse("2025-12-31T00:00:00Z"))).toBeUndefined();
  });

  it("a sub-daily rule years after its start is quick (iteration starts near the time asked)", () => {
    const spec = { rrule: "FREQ=MINUTELY;INTERVAL=7", timezone: BERLIN };
    const times = nextTimes(spec, Date.parse("2030-06-01T00:00:00Z"), { count: 100 });
    expect(times).toHaveLength(100);
    // Phase from the default start, 2020-01-01T00:00 on Berlin's wall clock (UTC+2 in June):
    // multiples of 7 minutes of wall-clock time.
    for (const t of times) expect((t + 7_200_000 - Date.UTC(2020, 0, 1)) % 420_000).toBe(0);
  });
});

describe("nextTimes and previousTime", () => {
  it("answers times strictly after, at most count, none after untilMs", () => {
    const from = Date.parse("2026-01-01T00:00:00Z");
    expect(nextTimes({ interval: "1h" }, from, { count: 2 })).toEqual([
      from + 3_600_000,
      from + 7_200_000,
    ]);
    expect(nextTimes({ cron: "0 * * * *" }, from, { untilMs: from + 3 * 3_600_000 })).toEqual([
      from + 3_600_000,
      from + 7_200_000,
      from + 10_800_000,
    ]);
    expect(nextTimes({ cron: "0 * * * *" }, from, { count: 0 })).toEqual([]);
  });

  it("previousTime is the latest time at or before", () => {
    const at = Date.parse("2026-01-01T10:30:00Z");
    expect(previousTime({ interval: "1h" }, at)).toBe(Date.parse("2026-01-01T10:00:00Z"));
    expect(previousTime({ cron: "0 */2 * * *" }, at)).toBe(Date.parse("2026-01-01T10:00:00Z"));
    expect(previousTime({ cron: "0 */2 * * *" }, Date.parse("2026-01-01T10:00:00Z"))).toBe(
      Date.parse("2026-01-01T10:00:00Z"),
    );
    expect(previousTime({ rrule: "FREQ=DAILY;BYHOUR=9", timezone: SAO_PAULO }, at)).toBe(
      Date.parse("2025-12-31T12:00:00Z"),
    );
    // In the repeated hour in New York, the 01:30 of the first pass is the latest fixed 01:30.
    expect(
      previousTime({ cron: "30 1 * * *", timezone: NY }, Date.parse("2026-11-01T06:40:00Z")),
    ).toBe(Date.parse("2026-11-01T05:30:00Z"));
  });

  it("throws for an invalid schedule", () => {
    expect(() => nextTimes({ cron: "nope" }, 0, {})).toThrow(TypeError);
  });
});

describe("scheduleProblem", () => {
  const cases: [ScheduleSpec, string, RegExp][] = [
    [{ cron: "61 * * * *" }, "cron", /61/],
    [{ cron: "* * * *" }, "cron", /not valid/],
    [{ cron: "* * * * * * *" }, "cron", /not valid/],
    [{ cron: "0 0 31 2 *" }, "cron", /never matches/],
    [{ cron: "0 0 * * *", timezone: "Mars/Olympus_Mons" }, "timezone", /IANA/],
    [{ cron: "0 0 * * *", timezone: "+05:00" }, "timezone", /IANA/],
    [{ interval: 0 }, "interval", /between/],
    [{ interval: "367d" }, "interval", /between/],
    [{ interval: "soon" }, "interval", /not a duration/],
    [{ interval: "2 fortnights" }, "interval", /unknown unit/],
    [{ interval: 1.5 }, "interval", /whole number/],
    [{ interval: "1h", anchorDate: "yesterday" }, "anchorDate", /ISO 8601/],
    [{ rrule: "FREQ=SOMETIMES" }, "rrule", /SOMETIMES/],
    [{ rrule: "BYDAY=MO" }, "rrule", /no FREQ/],
    [{ rrule: "FREQ=DAILY;BYHOUR=24" }, "rrule", /HOUR value 24/],
    [{ rrule: "FREQ=DAILY;BYDAY=XX" }, "rrule", /not valid/],
    [{ rrule: "FREQ=DAILY;INTERVAL=0" }, "rrule", /INTERVAL/],
    [{ rrule: "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30" }, "rrule", /never occurs/],
    // rrule itself would search until the year 9999, or forever, for these.
    [{ rrule: "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30" }, "rrule", /never occurs/],
    [{ rrule: "FREQ=HOURLY;INTERVAL=3;BYHOUR=1" }, "rrule", /never reaches/],
    [{ rrule: "FREQ=SECONDLY;BYMINUTE=30" }, "rrule", /6-field cron/],
    [{ rrule: "FREQ=DAILY;BYWEEKNO=20" }, "rrule", /BYWEEKNO needs FREQ=YEARLY/],
    [{ rrule: "FREQ=WEEKLY;BYDAY=2TU" }, "rrule", /BYDAY with a number/],
    [{ rrule: "FREQ=DAILY;FREQ=WEEKLY" }, "rrule", /FREQ is given twice/],
    [{ rrule: "EXDATE:20260101T000000Z\nRRULE:FREQ=DAILY" }, "rrule", /one RRULE line/],
    [{ rrule: "DTSTART;TZID=Mars/X:20260101T000000\nRRULE:FREQ=DAILY" }, "rrule", /TZID/],
    [{ rrule: "FREQ=DAILY", timezone: "Nowhere" }, "timezone", /IANA/],
  ];
  for (const [spec, field, message] of cases) {
    it(`${JSON.stringify(spec)} names ${field}`, () => {
      const problem = scheduleProblem(spec);
      expect(problem?.field).toBe(field);
      expect(problem?.message).toMatch(message);
    });
  }

  it("accepts the schedules of the issue", () => {
    for (const spec of [
      { cron: "0 */2 * * *" },
      { cron: "*/15 * * * * *", timezone: "UTC" },
      { cron: "0 0 * * *", timezone: SAO_PAULO, dayOr: false },
      { interval: "2h" },
      { interval: 3600, anchorDate: "2026-01-01T00:00:00+01:00", timezone: BERLIN },
      { rrule: "FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=0", timezone: NY },
    ] as ScheduleSpec[]) {
      expect(scheduleProblem(spec), JSON.stringify(spec)).toBeUndefined();
    }
  });
});

describe("many schedules", () => {
  it("100 schedules of each kind each give 100 times", () => {
    for (let i = 0; i < 100; i++) {
      const spec: ScheduleSpec =
        i % 3 === 0
          ? { cron: `${i % 60} */2 * * *`, timezone: SAO_PAULO }
          : i % 3 === 1
            ? { rrule: `FREQ=HOURLY;INTERVAL=${(i % 5) + 1}`, timezone: BERLIN }
            : { interval: `${(i % 7) + 1}d`, timezone: NY };
      const times = nextTimes(spec, Date.parse("2026-11-29T00:00:00Z") + i, { count: 100 });
      expect(times).toHaveLength(100);
      expect([...times].sort((a, b) => a - b)).toEqual(times);
    }
  });
});
