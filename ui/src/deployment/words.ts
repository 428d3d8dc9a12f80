/**
 * A schedule in words ("Every 2 hours", "At 00:00 in America/Sao_Paulo"), as the Deployments
 * page and the schedule list show it: protocol/schedule_words.ts, which the CLI uses too, so
 * both say the same.
 *
 * @module
 */

import { describeSchedule } from "../../../protocol/schedule_words.ts";
import type { ScheduleSpec } from "../api/types.ts";
import { specText } from "../lib/schedules.ts";

/**
 * The schedule in words; the spec itself if it cannot be put in words (a stored spec the
 * describing libraries refuse must still show).
 *
 * @example
 * ```ts
 * scheduleWords({ interval: "2h" }); // "Every 2 hours"
 * ```
 */
export function scheduleWords(spec: ScheduleSpec): string {
  try {
    return describeSchedule(spec);
  } catch {
    return specText(spec);
  }
}
