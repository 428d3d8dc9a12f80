// POST /api/schedules/preview: the next times of a schedule as ISO strings with the zone's
// offset, the schedule in words, and 422s naming the field of a bad schedule.
import { describe, expect, it } from "vitest";
import { api, expectError, json, post } from "./helpers.ts";

interface Preview {
  times: string[];
  description: string;
}

describe("POST /api/schedules/preview", () => {
  it("answers the next times after `from`, with the zone's offset, and the words", async () => {
    const res = await post("/api/schedules/preview", {
      schedule: { cron: "0 0 * * *", timezone: "America/Sao_Paulo" },
      from: "2026-11-28T12:00:00Z",
      count: 3,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      times: [
        "2026-11-29T00:00:00-03:00",
        "2026-11-30T00:00:00-03:00",
        "2026-12-01T00:00:00-03:00",
      ],
      description: "At 00:00 in America/Sao_Paulo",
    });
  });

  it("shows a DST change in the offsets (New York, spring forward)", async () => {
    const body = await json<Preview>(
      post("/api/schedules/preview", {
        schedule: {
          interval: "1d",
          anchorDate: "2026-01-01T09:00:00-05:00",
          timezone: "America/New_York",
        },
        from: "2026-03-06T15:00:00Z",
        count: 3,
      }),
    );
    expect(body.times).toEqual([
      "2026-03-07T09:00:00-05:00",
      "2026-03-08T09:00:00-04:00",
      "2026-03-09T09:00:00-04:00",
    ]);
    expect(body.description).toBe("Every day at 09:00 in America/New_York");
  });

  it("defaults to 5 times after now", async () => {
    const before = Date.now();
    const body = await json<Preview>(
      post("/api/schedules/preview", { schedule: { interval: "2h" } }),
    );
    expect(body.description).toBe("Every 2 hours");
    expect(body.times).toHaveLength(5);
    const first = Date.parse(body.times[0] as string);
    expect(first).toBeGreaterThan(before - 1000);
    expect(first).toBeLessThanOrEqual(Date.now() + 2 * 3_600_000);
  });

  it("reads an RRULE in the zone of its DTSTART", async () => {
    const body = await json<Preview>(
      post("/api/schedules/preview", {
        schedule: {
          rrule: "DTSTART;TZID=Europe/Berlin:20260101T090000\nRRULE:FREQ=WEEKLY;BYDAY=MO",
        },
        from: "2026-03-20T00:00:00Z",
        count: 2,
      }),
    );
    expect(body.times).toEqual(["2026-03-23T09:00:00+01:00", "2026-03-30T09:00:00+02:00"]);
  });

  it("answers 422 naming the field of a bad cron, time zone, interval or RRULE", async () => {
    const cases: [unknown, string][] = [
      [{ cron: "61 * * * *" }, "schedule.cron"],
      [{ cron: "0 0 * * *", timezone: "Mars/Olympus_Mons" }, "schedule.timezone"],
      [{ interval: "soon" }, "schedule.interval"],
      [{ interval: 0.5 }, "schedule.interval"],
      [{ rrule: "FREQ=DAILY;BYHOUR=24" }, "schedule.rrule"],
    ];
    for (const [schedule, field] of cases) {
      const error = await expectError(
        post("/api/schedules/preview", { schedule }),
        422,
        "invalid_value",
        field,
      );
      expect(error.message.length).toBeGreaterThan(10);
    }
  });

  it("answers 400 for a body that is not a schedule, and for count out of range", async () => {
    await expectError(
      post("/api/schedules/preview", { schedule: { every: "day" } }),
      400,
      "bad_request",
      "schedule",
    );
    await expectError(
      post("/api/schedules/preview", { schedule: { interval: "1h" }, count: 101 }),
      400,
      "bad_request",
      "count",
    );
  });

  it("is listed in the OpenAPI document", async () => {
    const doc = await json<{ paths: Record<string, unknown> }>(api("/api/openapi.json"));
    expect(doc.paths["/api/schedules/preview"]).toBeDefined();
  });
});
