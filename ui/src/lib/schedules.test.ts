import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  draftFieldOf,
  draftFromSpec,
  kindOf,
  nextRunOf,
  specFromDraft,
  specText,
  splitIso,
  timeZones,
} from "./schedules.ts";

describe("drafts and specs", () => {
  it("round-trip each kind", () => {
    for (const spec of [
      { cron: "0 */2 * * *", timezone: "America/Sao_Paulo" },
      { interval: 3600 },
      { interval: "2h", anchorDate: "2026-01-01T09:00:00+01:00", timezone: "Europe/Madrid" },
      { rrule: "FREQ=DAILY;BYHOUR=9", timezone: "UTC" },
    ]) {
      const draft = draftFromSpec(spec, "UTC");
      assert.equal(draft.kind, kindOf(spec));
      assert.deepEqual(specFromDraft(draft), { ok: true, spec });
    }
  });
  it("starts a new schedule as an empty cron in the given zone", () => {
    assert.deepEqual(draftFromSpec(undefined, "Europe/Madrid"), {
      kind: "cron",
      value: "",
      timezone: "Europe/Madrid",
      anchorDate: "",
    });
  });
  it("sends digits as seconds and durations as text, leaving an empty zone out", () => {
    const base = { kind: "interval" as const, timezone: " ", anchorDate: "" };
    assert.deepEqual(specFromDraft({ ...base, value: " 90 " }), {
      ok: true,
      spec: { interval: 90 },
    });
    assert.deepEqual(specFromDraft({ ...base, value: "90m" }), {
      ok: true,
      spec: { interval: "90m" },
    });
  });
  it("refuses only an empty value, naming the input", () => {
    const result = specFromDraft({ kind: "rrule", value: "  ", timezone: "UTC", anchorDate: "" });
    assert.deepEqual(result, { ok: false, field: "value", message: "Enter a recurrence rule" });
    // Nonsense is the API's to judge.
    assert.equal(
      specFromDraft({ kind: "cron", value: "nope", timezone: "Mars/Base", anchorDate: "" }).ok,
      true,
    );
  });
});

describe("draftFieldOf", () => {
  it("puts an API error next to the input it names", () => {
    assert.equal(draftFieldOf("cron"), "value");
    assert.equal(draftFieldOf("schedule.rrule"), "value");
    assert.equal(draftFieldOf("schedules.0.interval"), "value");
    assert.equal(draftFieldOf("schedule.timezone"), "timezone");
    assert.equal(draftFieldOf("timezone"), "timezone");
    assert.equal(draftFieldOf("schedule.anchorDate"), "anchorDate");
    assert.equal(draftFieldOf("schedule"), "value");
    assert.equal(draftFieldOf("count"), undefined);
    assert.equal(draftFieldOf(undefined), undefined);
  });
});

describe("splitIso", () => {
  it("keeps the wall-clock time of the schedule's zone", () => {
    assert.deepEqual(splitIso("2026-11-29T00:00:00-03:00"), {
      date: "2026-11-29",
      time: "00:00",
      offset: "-03:00",
    });
    assert.deepEqual(splitIso("2026-03-29T02:30:15.000+05:30"), {
      date: "2026-03-29",
      time: "02:30:15",
      offset: "+05:30",
    });
    assert.equal(splitIso("2026-11-29T10:00:00Z")?.offset, "UTC");
    assert.equal(splitIso("2026-11-29T10:00:00+00:00")?.offset, "UTC");
    assert.equal(splitIso("tomorrow"), undefined);
  });
});

describe("nextRunOf", () => {
  const schedule = (active: boolean, nextRunAt: number | null) => ({
    id: "s",
    active,
    schedule: { interval: 60 },
    nextRunAt,
  });
  it("is the earliest next run of the active schedules", () => {
    const schedules = [schedule(true, 300), schedule(false, 100), schedule(true, 200)];
    assert.equal(nextRunOf({ paused: false, schedules }), 200);
    assert.equal(nextRunOf({ paused: true, schedules }), null);
    assert.equal(nextRunOf({ paused: false, schedules: [schedule(true, null)] }), null);
    assert.equal(nextRunOf({ paused: false, schedules: [] }), null);
  });
});

describe("specText and timeZones", () => {
  it("writes a spec on one line", () => {
    assert.equal(
      specText({ cron: "0 0 * * *", timezone: "Asia/Tokyo" }),
      "cron 0 0 * * * (Asia/Tokyo)",
    );
    assert.equal(
      specText({ interval: "1d", anchorDate: "2026-01-01T00:00:00Z" }),
      "interval 1d from 2026-01-01T00:00:00Z",
    );
    assert.equal(specText({ rrule: "FREQ=HOURLY" }), "rrule FREQ=HOURLY");
  });
  it("lists UTC and the IANA zones", () => {
    const zones = timeZones();
    assert.ok(zones.includes("UTC"));
    assert.ok(zones.includes("America/Sao_Paulo"));
  });
});
