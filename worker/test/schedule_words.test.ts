// Schedules in words (protocol/schedule_words.ts, which the UI bundles): cron through
// cronstrue, intervals, RRULEs through rrule's toText with the times said in 24-hour form,
// and the interval grammar the scheduler uses.
import { describe, expect, it } from "vitest";
import { describeSchedule, parseInterval } from "../../protocol/schedule_words.ts";

describe("describeSchedule", () => {
  it("says intervals with the largest unit that divides them", () => {
    expect(describeSchedule({ interval: "2h" })).toBe("Every 2 hours");
    expect(describeSchedule({ interval: 90 })).toBe("Every 90 seconds");
    expect(describeSchedule({ interval: "1h30m" })).toBe("Every 90 minutes");
    expect(describeSchedule({ interval: 3600 })).toBe("Every hour");
  });

  it("says the wall-clock time of whole-day intervals, in their zone", () => {
    expect(
      describeSchedule({
        interval: "1d",
        anchorDate: "2026-01-01T09:00:00-05:00",
        timezone: "America/New_York",
      }),
    ).toBe("Every day at 09:00 in America/New_York");
    expect(describeSchedule({ interval: "1w" })).toBe("Every week at 00:00 UTC");
  });

  it("says cron schedules, with their zone", () => {
    expect(describeSchedule({ cron: "0 0 * * *", timezone: "America/Sao_Paulo" })).toBe(
      "At 00:00 in America/Sao_Paulo",
    );
    expect(describeSchedule({ cron: "0 */2 * * *" })).toBe("On the hour, every 2 hours");
    expect(describeSchedule({ cron: "*/15 * * * * *", timezone: "UTC" })).toBe("Every 15 seconds");
    expect(describeSchedule({ cron: "0 0 13 * 5", dayOr: false })).toMatch(
      /when both the day of the month and the day of the week match/,
    );
  });

  it("says RRULEs, with their times and zone", () => {
    expect(
      describeSchedule({
        rrule: "FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=30",
        timezone: "Europe/Madrid",
      }),
    ).toBe("Every week on Monday, Wednesday at 09:30 in Europe/Madrid");
    expect(
      describeSchedule({
        rrule: "DTSTART;TZID=America/New_York:20260101T093000\nRRULE:FREQ=DAILY",
      }),
    ).toBe("Every day at 09:30 in America/New_York");
  });

  it("never throws: a schedule it cannot read is shown as written", () => {
    expect(describeSchedule({ cron: "61 * * * *" })).toBe("Cron 61 * * * *");
    expect(describeSchedule({ rrule: "bogus" })).toBe("RRULE bogus");
    expect(describeSchedule({ interval: "soon" })).toBe("Every soon");
  });
});

describe("parseInterval", () => {
  it("reads seconds and durations", () => {
    expect(parseInterval(90)).toEqual({ seconds: 90 });
    expect(parseInterval("3600")).toEqual({ seconds: 3600 });
    expect(parseInterval("2h")).toEqual({ seconds: 7200 });
    expect(parseInterval("90m")).toEqual({ seconds: 5400 });
    expect(parseInterval("1d")).toEqual({ seconds: 86_400 });
    expect(parseInterval("30s")).toEqual({ seconds: 30 });
    expect(parseInterval("1h 30m")).toEqual({ seconds: 5400 });
    expect(parseInterval("1.5d")).toEqual({ seconds: 129_600 });
    expect(parseInterval("2 weeks")).toEqual({ seconds: 1_209_600 });
  });

  it("says what is wrong", () => {
    expect(parseInterval(0)).toMatchObject({ problem: expect.stringMatching(/between 1 s/) });
    expect(parseInterval("367d")).toMatchObject({ problem: expect.stringMatching(/366 days/) });
    expect(parseInterval("0.5s")).toMatchObject({ problem: expect.stringMatching(/whole/) });
    expect(parseInterval("2x")).toMatchObject({ problem: expect.stringMatching(/unknown unit/) });
    expect(parseInterval("")).toMatchObject({ problem: expect.stringMatching(/not a duration/) });
  });
});
