/**
 * `weir concurrency-limit ls|create|inspect|update|delete|reset`: the server's concurrency
 * limits (tag limits are named after the tag; `deployment:<id>` and `flow:<name>` ones are
 * Weir's own), with who holds their slots and who waits, in order.
 *
 * @module
 */

import type { Command } from "commander";
import { WeirApiError } from "../../client/errors.ts";
import type { ConcurrencyLimit } from "../../protocol/concurrency.ts";
import { type Context, makeContext, printJson } from "../context.ts";
import { bold, relativeTime, table } from "../format.ts";
import { parseDecay, parseLimit } from "../limit_options.ts";
import { example, type GlobalsOf } from "../program_helpers.ts";
import { UsageError } from "../usage_error.ts";

/** `2/5`, with the decay rate for a rate limit. */
function usageText(l: ConcurrencyLimit): string {
  const held = Number.isInteger(l.slotsHeld) ? String(l.slotsHeld) : l.slotsHeld.toFixed(2);
  return `${held}/${l.limit}`;
}

/** `weir concurrency-limit ls`. */
async function listLimits(ctx: Context, opts: { json?: boolean }): Promise<void> {
  const limits = await ctx.client.listConcurrencyLimits();
  if (opts.json) return printJson(ctx, limits);
  if (limits.length === 0) {
    return ctx.out(
      "No concurrency limits yet. Create one with `weir concurrency-limit create NAME LIMIT` (a tag limit is named after its tag).",
    );
  }
  ctx.out(
    table(
      ["NAME", "HELD", "ACTIVE", "DECAY/S", "HOLDERS", "WAITING"].map((h) => bold(h, ctx.color)),
      limits.map((l) => [
        l.name,
        usageText(l),
        l.active ? "yes" : "no",
        l.slotDecayPerSecond === 0 ? "-" : String(l.slotDecayPerSecond),
        String(l.holders.length),
        String(l.waiters.length),
      ]),
    ),
  );
}

/**
 * The human view of a limit: its settings, its holders (run, label, lease expiry) and its
 * waiters in order.
 *
 * @example
 * ```ts
 * ctx.out(limitText(ctx, await ctx.client.getConcurrencyLimit("db")));
 * ```
 */
export function limitText(
  ctx: Pick<Context, "color">,
  l: ConcurrencyLimit,
  now = Date.now(),
): string {
  const lines = [
    `${bold("Concurrency limit", ctx.color)}  ${l.name}`,
    `Slots held         ${usageText(l)}`,
    `Active             ${l.active ? "yes" : "no (admits everyone)"}`,
    `Slot decay         ${l.slotDecayPerSecond === 0 ? "none (freed on release)" : `${l.slotDecayPerSecond}/s (a rate limit)`}`,
    `Updated            ${relativeTime(l.updatedAt, now)}`,
  ];
  lines.push("");
  lines.push(
    l.holders.length === 0
      ? "No holders."
      : table(
          ["HOLDER RUN", "LABEL", "STEP", "SLOTS", "LEASE EXPIRES"].map((h) => bold(h, ctx.color)),
          l.holders.map((h) => [
            h.runId,
            h.label,
            h.stepId ?? "-",
            String(h.occupy),
            relativeTime(h.expiresAt, now),
          ]),
        ),
  );
  lines.push("");
  lines.push(
    l.waiters.length === 0
      ? "No waiters."
      : table(
          ["#", "WAITING RUN", "LABEL", "STEP", "SLOTS", "SINCE"].map((h) => bold(h, ctx.color)),
          l.waiters.map((w) => [
            String(w.position),
            w.runId,
            w.label,
            w.stepId ?? "-",
            String(w.occupy),
            relativeTime(w.enqueuedAt, now),
          ]),
        ),
  );
  return lines.join("\n");
}

/** A 404 for `name` as a usage error listing the known limits. */
async function unknownLimit(ctx: Context, name: string, error: unknown): Promise<never> {
  if (!(error instanceof WeirApiError) || error.status !== 404) throw error;
  const known = (await ctx.client.listConcurrencyLimits()).map((l) => l.name);
  throw new UsageError(
    known.length === 0
      ? `No concurrency limit '${name}': the server has none. Create one with \`weir concurrency-limit create ${name} LIMIT\`.`
      : `No concurrency limit '${name}'. Known limits: ${known.join(", ")}`,
  );
}

/** Options of `weir concurrency-limit create`. */
interface CreateOptions {
  slotDecayPerSecond?: string;
  inactive?: boolean;
  json?: boolean;
}

/** Options of `weir concurrency-limit update`. */
interface UpdateOptions {
  limit?: string;
  active?: boolean;
  inactive?: boolean;
  slotDecayPerSecond?: string;
  json?: boolean;
}

/** The PATCH body from `update`'s options; a usage error when they ask nothing. */
function patchOf(opts: UpdateOptions) {
  if (opts.active && opts.inactive) throw new UsageError("Give --active or --inactive, not both");
  const patch = {
    ...(opts.limit === undefined ? {} : { limit: parseLimit(opts.limit, "--limit") }),
    ...(opts.active ? { active: true } : {}),
    ...(opts.inactive ? { active: false } : {}),
    ...(opts.slotDecayPerSecond === undefined
      ? {}
      : { slotDecayPerSecond: parseDecay(opts.slotDecayPerSecond) }),
  };
  if (Object.keys(patch).length === 0) {
    throw new UsageError(
      "Nothing to change: give --limit N, --active, --inactive or --slot-decay-per-second N",
    );
  }
  return patch;
}

/**
 * Adds `weir concurrency-limit` to the program.
 *
 * @example
 * ```ts
 * concurrencyLimitCommands(program, globalsOf);
 * ```
 */
export function concurrencyLimitCommands(program: Command, globals: GlobalsOf): Command {
  const group = program
    .command("concurrency-limit")
    .description(
      "Concurrency limits: tag limits on task runs, named and rate limits, deployments' limits",
    );
  example(
    group,
    "weir concurrency-limit create database 2",
    "weir concurrency-limit inspect database",
  );
  const ctxOf = (cmd: Command) => makeContext(globals(cmd));

  example(
    group
      .command("ls")
      .description("List limits: slots held, active, decay, holders and waiters")
      .option("--json", "print the API's JSON (an array of limits)")
      .action(async (opts: { json?: boolean }, cmd: Command) => {
        await listLimits(ctxOf(cmd), opts);
      }),
    "weir concurrency-limit ls --json | jq '.[] | .name'",
  );

  example(
    group
      .command("create")
      .description("Create a limit (a tag limit is named after its tag)")
      .argument("<name>", "the limit's name, or a tag")
      .argument("<limit>", "how many slots (0 admits nothing)")
      .option("--slot-decay-per-second <n>", "make it a rate limit: used slots free at this rate")
      .option("--inactive", "create it inactive (it admits everyone until made active)")
      .option("--json", "print the API's JSON")
      .action(async (name: string, limitText: string, opts: CreateOptions, cmd: Command) => {
        const ctx = ctxOf(cmd);
        const limit = parseLimit(limitText, "LIMIT");
        const created = await ctx.client
          .createConcurrencyLimit({
            name,
            limit,
            ...(opts.inactive ? { active: false } : {}),
            ...(opts.slotDecayPerSecond === undefined
              ? {}
              : { slotDecayPerSecond: parseDecay(opts.slotDecayPerSecond) }),
          })
          .catch((error: unknown) => {
            if (error instanceof WeirApiError && error.status === 409) {
              throw new UsageError(
                `Concurrency limit '${name}' already exists. Change it with \`weir concurrency-limit update ${name} --limit N\`.`,
              );
            }
            throw error;
          });
        if (opts.json) return printJson(ctx, created);
        const rate =
          created.slotDecayPerSecond > 0 ? `, freeing ${created.slotDecayPerSecond}/s` : "";
        ctx.out(
          `Created concurrency limit '${created.name}': ${created.limit} slot${created.limit === 1 ? "" : "s"}${rate}${created.active ? "" : " (inactive)"}`,
        );
      }),
    "weir concurrency-limit create database 2",
    "weir concurrency-limit create openai 10 --slot-decay-per-second 2",
  );

  example(
    group
      .command("inspect")
      .description("Show a limit: its holders (run, lease expiry) and its waiters in order")
      .argument("<name>", "the limit's name")
      .option("--json", "print the API's JSON")
      .action(async (name: string, opts: { json?: boolean }, cmd: Command) => {
        const ctx = ctxOf(cmd);
        const l = await ctx.client
          .getConcurrencyLimit(name)
          .catch((error: unknown) => unknownLimit(ctx, name, error));
        if (opts.json) printJson(ctx, l);
        else ctx.out(limitText(ctx, l));
      }),
    "weir concurrency-limit inspect database",
  );

  example(
    group
      .command("update")
      .description("Change a limit: raising it admits waiters at once")
      .argument("<name>", "the limit's name")
      .option("--limit <n>", "how many slots")
      .option("--active", "make it active")
      .option("--inactive", "make it inactive (it admits everyone)")
      .option("--slot-decay-per-second <n>", "slots freed per second after use (0: at once)")
      .option("--json", "print the API's JSON")
      .action(async (name: string, opts: UpdateOptions, cmd: Command) => {
        const ctx = ctxOf(cmd);
        const patch = patchOf(opts);
        const l = await ctx.client
          .updateConcurrencyLimit(name, patch)
          .catch((error: unknown) => unknownLimit(ctx, name, error));
        if (opts.json) return printJson(ctx, l);
        ctx.out(
          `Updated concurrency limit '${l.name}': ${usageText(l)} held, ${l.waiters.length} waiting${l.active ? "" : " (inactive)"}`,
        );
      }),
    "weir concurrency-limit update database --limit 4",
    "weir concurrency-limit update database --inactive",
  );

  example(
    group
      .command("delete")
      .description("Delete a limit: everyone waiting for it is admitted")
      .argument("<name>", "the limit's name")
      .option("--json", "print the API's JSON")
      .action(async (name: string, opts: { json?: boolean }, cmd: Command) => {
        const ctx = ctxOf(cmd);
        const deleted = await ctx.client
          .deleteConcurrencyLimit(name)
          .catch((error: unknown) => unknownLimit(ctx, name, error));
        if (opts.json) return printJson(ctx, deleted);
        ctx.out(
          `Deleted concurrency limit '${name}'${deleted.admitted === 0 ? "" : `; admitted ${deleted.admitted} waiting`}`,
        );
      }),
    "weir concurrency-limit delete database",
  );

  example(
    group
      .command("reset")
      .description("Free every slot of a limit, then admit its waiters in order")
      .argument("<name>", "the limit's name")
      .option("--json", "print the API's JSON")
      .action(async (name: string, opts: { json?: boolean }, cmd: Command) => {
        const ctx = ctxOf(cmd);
        const l = await ctx.client
          .resetConcurrencyLimit(name)
          .catch((error: unknown) => unknownLimit(ctx, name, error));
        if (opts.json) return printJson(ctx, l);
        ctx.out(
          `Reset concurrency limit '${l.name}': ${usageText(l)} held now, ${l.waiters.length} waiting`,
        );
      }),
    "weir concurrency-limit reset database",
  );
  return group;
}
