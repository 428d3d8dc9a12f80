/**
 * The schedule editor's logic, apart from its rendering: a schedule spec (`{ cron }`,
 * `{ interval }`, `{ rrule }`) turned into what the editor's inputs show and back, an API
 * error's `field` turned into the input it names, the preview's ISO times split for display,
 * and a deployment's next run. Pure functions, unit-tested in schedules.test.ts.
 *
 * The editor sends what the person typed and lets the API judge it (croner, the RRULE
 * library and the time zone database live in the Worker); it refuses only an empty value.
 *
 * @module
 */

import type { Deployment, ScheduleSpec } from "../api/types.ts";

/** The three kinds of schedule, with what the editor says about each. */
export const SCHEDULE_KINDS = {
  cron: {
    input: "Cron expression",
    label: "Cron",
    placeholder: "0 */2 * * *",
    hint: "5 fields (minute hour day month weekday), or 6 with seconds first",
  },
  interval: {
    input: "Repeat every",
    label: "Interval",
    placeholder: "2h",
    hint: 'Seconds (3600) or a duration such as "90m", "2h" or "1d"',
  },
  rrule: {
    input: "Recurrence rule",
    label: "RRule",
    placeholder: "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=9;BYMINUTE=0",
    hint: "An RFC 5545 recurrence rule",
  },
} as const;

/** One of the {@link SCHEDULE_KINDS}. */
export type ScheduleKind = keyof typeof SCHEDULE_KINDS;

/** What the editor's inputs hold. Empty strings mean "not set". */
export interface ScheduleDraft {
  readonly kind: ScheduleKind;
  /** The cron expression, the interval or the RRULE, as typed. */
  readonly value: string;
  readonly timezone: string;
  /** Intervals only: where they are counted from (ISO 8601 with an offset). */
  readonly anchorDate: string;
}

/** An input of the editor, for showing an error next to it. */
export type DraftField = "value" | "timezone" | "anchorDate";

/**
 * The kind of a spec.
 *
 * @example
 * ```ts
 * kindOf({ interval: "2h" }); // "interval"
 * ```
 */
export function kindOf(spec: ScheduleSpec): ScheduleKind {
  if ("cron" in spec) return "cron";
  if ("interval" in spec) return "interval";
  return "rrule";
}

/**
 * The editor's inputs for an existing spec (or an empty one of a kind, in `timezone`).
 *
 * @example
 * ```ts
 * draftFromSpec({ cron: "0 0 * * *", timezone: "America/Sao_Paulo" }, "UTC");
 * // { kind: "cron", value: "0 0 * * *", timezone: "America/Sao_Paulo", anchorDate: "" }
 * ```
 */
export function draftFromSpec(spec: ScheduleSpec | undefined, timezone: string): ScheduleDraft {
  if (spec === undefined) return { kind: "cron", value: "", timezone, anchorDate: "" };
  const zone = spec.timezone ?? "";
  if ("cron" in spec) return { kind: "cron", value: spec.cron, timezone: zone, anchorDate: "" };
  if ("interval" in spec) {
    return {
      kind: "interval",
      value: String(spec.interval),
      timezone: zone,
      anchorDate: spec.anchorDate ?? "",
    };
  }
  return { kind: "rrule", value: spec.rrule, timezone: zone, anchorDate: "" };
}

/** The outcome of reading the editor: a spec to send, or the input that cannot be read. */
export type DraftResult =
  | { readonly ok: true; readonly spec: ScheduleSpec }
  | { readonly ok: false; readonly field: DraftField; readonly message: string };

/**
 * Turns the editor's inputs into a spec. An interval of digits only is seconds (a number);
 * anything else is sent as the duration text it is. An empty time zone is left out (UTC).
 *
 * @example
 * ```ts
 * specFromDraft({ kind: "interval", value: "3600", timezone: "", anchorDate: "" });
 * // { ok: true, spec: { interval: 3600 } }
 * ```
 */
export function specFromDraft(draft: ScheduleDraft): DraftResult {
  const value = draft.value.trim();
  if (value === "") {
    return {
      ok: false,
      field: "value",
      message: `Enter ${draft.kind === "cron" ? "a cron expression" : draft.kind === "interval" ? "an interval" : "a recurrence rule"}`,
    };
  }
  const timezone = draft.timezone.trim();
  const zone = timezone === "" ? {} : { timezone };
  switch (draft.kind) {
    case "cron":
      return { ok: true, spec: { cron: value, ...zone } };
    case "rrule":
      return { ok: true, spec: { rrule: value, ...zone } };
    case "interval": {
      const anchor = draft.anchorDate.trim();
      const interval = /^\d+(\.\d+)?$/.test(value) ? Number(value) : value;
      return {
        ok: true,
        spec: { interval, ...(anchor === "" ? {} : { anchorDate: anchor }), ...zone },
      };
    }
  }
}

/**
 * The editor input an API error names: its `field` may be relative to the spec (`cron`), to
 * the body (`schedule.timezone`) or to a deployment (`schedules.0.rrule`). Errors about the
 * schedule as a whole (`schedule`) go next to the main input; anything else names no input.
 *
 * @example
 * ```ts
 * draftFieldOf("schedule.timezone"); // "timezone"
 * ```
 */
export function draftFieldOf(field: string | undefined): DraftField | undefined {
  if (field === undefined || field === "") return undefined;
  const parts = field.split(".");
  const last = parts[parts.length - 1] ?? "";
  if (last === "cron" || last === "interval" || last === "rrule" || last === "dayOr")
    return "value";
  if (last === "timezone") return "timezone";
  if (last === "anchorDate") return "anchorDate";
  if (last === "schedule" || /^\d+$/.test(last)) return "value";
  return undefined;
}

/** An ISO 8601 time with an offset, split for display in its own time zone. */
export interface ZonedParts {
  /** `2026-11-29` */
  readonly date: string;
  /** `00:00` or `00:00:30` when the seconds are not zero. */
  readonly time: string;
  /** `-03:00`, `+05:30` or `UTC`. */
  readonly offset: string;
}

/**
 * Splits a preview time (`2026-11-29T00:00:00-03:00`) into the wall-clock date and time of its
 * zone and the offset, without converting it to the browser's zone: the editor shows when the
 * schedule runs where it runs. Returns undefined for text that is not such a time.
 *
 * @example
 * ```ts
 * splitIso("2026-11-29T00:00:00-03:00"); // { date: "2026-11-29", time: "00:00", offset: "-03:00" }
 * ```
 */
export function splitIso(iso: string): ZonedParts | undefined {
  const match =
    /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.exec(iso);
  if (match === null) return undefined;
  const [, date = "", hm = "", seconds, zone = ""] = match;
  const time = seconds === undefined || seconds === "00" ? hm : `${hm}:${seconds}`;
  return { date, time, offset: zone === "Z" || zone === "+00:00" ? "UTC" : zone };
}

/**
 * When a deployment runs next: the earliest `nextRunAt` of its active schedules, or null when
 * it is paused or nothing is scheduled.
 *
 * @example
 * ```ts
 * nextRunOf(deployment); // 1764381600000
 * ```
 */
export function nextRunOf(deployment: Pick<Deployment, "paused" | "schedules">): number | null {
  if (deployment.paused) return null;
  let next: number | null = null;
  for (const s of deployment.schedules) {
    if (!s.active || s.nextRunAt === null) continue;
    if (next === null || s.nextRunAt < next) next = s.nextRunAt;
  }
  return next;
}

/**
 * A spec as one line of text, for a title or a fallback: `cron 0 *\/2 * * * (America/Sao_Paulo)`.
 *
 * @example
 * ```ts
 * specText({ interval: 7200 }); // "interval 7200"
 * ```
 */
export function specText(spec: ScheduleSpec): string {
  const zone = spec.timezone === undefined ? "" : ` (${spec.timezone})`;
  if ("cron" in spec) return `cron ${spec.cron}${zone}`;
  if ("interval" in spec) {
    const anchor = spec.anchorDate === undefined ? "" : ` from ${spec.anchorDate}`;
    return `interval ${spec.interval}${anchor}${zone}`;
  }
  return `rrule ${spec.rrule}${zone}`;
}

/**
 * The IANA time zones the browser knows, for the editor's suggestions (empty if it cannot
 * list them; the input still takes any name, and the API judges it).
 *
 * @example
 * ```ts
 * timeZones().includes("America/Sao_Paulo"); // true
 * ```
 */
export function timeZones(): string[] {
  try {
    const zones = Intl.supportedValuesOf("timeZone");
    return zones.includes("UTC") ? zones : ["UTC", ...zones];
  } catch {
    return ["UTC"];
  }
}

/**
 * The browser's own time zone, the editor's default for a new schedule.
 *
 * @example
 * ```ts
 * localTimeZone(); // "Europe/Madrid"
 * ```
 */
export function localTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}
