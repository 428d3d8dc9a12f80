/**
 * A schedule from command-line options, shared by `weir deployment create`,
 * `weir deployment schedule create` and `weir schedule preview`: exactly one of `--cron`,
 * `--interval` or `--rrule`, with `--timezone`, `--anchor-date` (intervals) and
 * `--no-day-or` (cron). Whether the cron string, zone or rule means anything is the API's to
 * say (a 422 naming the field); {@link withScheduleFlag} adds the flag that gave the value.
 *
 * @module
 */

import type { Command } from "commander";
import { WeirApiError } from "../client/errors.ts";
import type { ScheduleSpec } from "../protocol/deployment.ts";
import { UsageError } from "./usage_error.ts";

/**
 * The schedule options as commander parses them.
 *
 * @example
 * ```ts
 * const opts: ScheduleOptions = { cron: "0 *\/2 * * *", timezone: "America/Sao_Paulo" };
 * ```
 */
export interface ScheduleOptions {
  cron?: string;
  interval?: string;
  rrule?: string;
  timezone?: string;
  anchorDate?: string;
  /** false with `--no-day-or`. */
  dayOr?: boolean;
}

/**
 * Adds the schedule options to a command.
 *
 * @example
 * ```ts
 * addScheduleOptions(schedule.command("create").argument("<deployment>"));
 * ```
 */
export function addScheduleOptions(cmd: Command): Command {
  return cmd
    .option("--cron <expr>", "a cron expression (5 fields, or 6 with seconds first)")
    .option("--interval <every>", "an interval: seconds (3600) or a duration (90m, 2h, 1d)")
    .option("--rrule <rule>", "an RFC 5545 rule: 'FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9'")
    .option("--timezone <tz>", "an IANA time zone such as America/Sao_Paulo (default UTC)")
    .option("--anchor-date <iso>", "with --interval: the time intervals count from (ISO 8601)")
    .option("--no-day-or", "with --cron: a day must match both day-of-month and day-of-week");
}

/**
 * The schedule the options give, or undefined when none of `--cron`, `--interval` or
 * `--rrule` is given and `required` is false.
 *
 * @example
 * ```ts
 * scheduleFromOptions({ interval: "2h", timezone: "UTC" }, true); // { interval: "2h", timezone: "UTC" }
 * scheduleFromOptions({ interval: "3600" }, true); // { interval: 3600 }
 * ```
 */
export function scheduleFromOptions(
  opts: ScheduleOptions,
  required: boolean,
): ScheduleSpec | undefined {
  const given = (["cron", "interval", "rrule"] as const).filter((k) => opts[k] !== undefined);
  if (given.length > 1) {
    throw new UsageError(
      `Give one of --cron, --interval or --rrule, not ${given.map((k) => `--${k}`).join(" and ")}`,
    );
  }
  if (given.length === 0) {
    if (required) {
      throw new UsageError(
        "Give a schedule: --cron '0 */2 * * *', --interval 2h, or --rrule 'FREQ=DAILY;BYHOUR=9'",
      );
    }
    if (opts.timezone !== undefined || opts.anchorDate !== undefined || opts.dayOr === false) {
      throw new UsageError(
        "--timezone, --anchor-date and --no-day-or need --cron, --interval or --rrule",
      );
    }
    return undefined;
  }
  if (opts.anchorDate !== undefined && opts.interval === undefined) {
    throw new UsageError("--anchor-date goes with --interval");
  }
  if (opts.dayOr === false && opts.cron === undefined) {
    throw new UsageError("--no-day-or goes with --cron");
  }
  const zone = opts.timezone === undefined ? {} : { timezone: opts.timezone };
  if (opts.cron !== undefined) {
    return { cron: opts.cron, ...zone, ...(opts.dayOr === false ? { dayOr: false } : {}) };
  }
  if (opts.rrule !== undefined) return { rrule: opts.rrule, ...zone };
  const text = (opts.interval as string).trim();
  // Bare digits are seconds, as the API reads a number; anything else ("2h") goes as text.
  const interval = /^\d+(\.\d+)?$/.test(text) ? Number(text) : text;
  return {
    interval,
    ...(opts.anchorDate === undefined ? {} : { anchorDate: opts.anchorDate }),
    ...zone,
  };
}

const FLAGS: Record<string, [flag: string, option: keyof ScheduleOptions]> = {
  cron: ["--cron", "cron"],
  interval: ["--interval", "interval"],
  rrule: ["--rrule", "rrule"],
  timezone: ["--timezone", "timezone"],
  anchorDate: ["--anchor-date", "anchorDate"],
  dayOr: ["--no-day-or", "dayOr"],
};

/**
 * The error, with the flag that gave the value when it is a 422 about a schedule field
 * (`schedule.cron` → `--cron`); any other error unchanged.
 *
 * @example
 * ```ts
 * await client.createSchedule(id, { schedule }).catch((e) => { throw withScheduleFlag(e, opts); });
 * ```
 */
export function withScheduleFlag(error: unknown, opts: ScheduleOptions): unknown {
  if (!(error instanceof WeirApiError) || error.field === undefined) return error;
  const last = error.field.split(".").at(-1) ?? "";
  const known = FLAGS[last];
  if (known === undefined) return error;
  const [flag, option] = known;
  const value = opts[option];
  const given = typeof value === "string" ? ` '${value}'` : "";
  return new WeirApiError(
    error.status,
    error.code,
    `${error.message} (given as ${flag}${given})`,
    error.field,
  );
}
