/**
 * `weir deployment update`: changes a deployment's own fields (description, version,
 * catch-up policy, concurrency limit) over PATCH /api/deployments/{id}. Schedules have their
 * own commands (`weir deployment schedule ...`), pausing `pause` and `resume`.
 *
 * @module
 */

import type { Command } from "commander";
import type { CatchUpPolicy } from "../../protocol/deployment.ts";
import { makeContext, printJson } from "../context.ts";
import { deploymentRef } from "../format.ts";
import {
  addDeploymentLimitOptions,
  type DeploymentLimitOptions,
  deploymentLimitFields,
  deploymentLimitText,
} from "../limit_options.ts";
import { example, type GlobalsOf } from "../program_helpers.ts";
import { UsageError } from "../usage_error.ts";
import { findDeployment } from "./deployment.ts";

/** Options of `weir deployment update`. */
interface UpdateOptions extends DeploymentLimitOptions {
  description?: string;
  version?: string;
  catchUp?: string;
  json?: boolean;
}

const CATCH_UP = ["skip", "latest", "all"];

/**
 * Adds `weir deployment update` to the `deployment` command.
 *
 * @example
 * ```ts
 * deploymentUpdateCommand(dep, globalsOf);
 * ```
 */
export function deploymentUpdateCommand(dep: Command, globals: GlobalsOf): void {
  example(
    addDeploymentLimitOptions(
      dep
        .command("update")
        .description(
          "Change a deployment: description, version, catch-up, concurrency limit (raising it starts waiting runs at once)",
        )
        .argument("<deployment>", "FLOW/NAME or the deployment's id")
        .option("--description <text>", "what it is for")
        .option("--version <version>", "a version label")
        .option("--catch-up <policy>", `after downtime: ${CATCH_UP.join(", ")}`),
      true,
    )
      .option("--json", "print the API's JSON")
      .action(async (ref: string, opts: UpdateOptions, cmd: Command) => {
        const ctx = makeContext(globals(cmd));
        if (opts.catchUp !== undefined && !CATCH_UP.includes(opts.catchUp)) {
          throw new UsageError(
            `--catch-up must be one of ${CATCH_UP.join(", ")}; got '${opts.catchUp}'`,
          );
        }
        const patch = {
          ...(opts.description === undefined ? {} : { description: opts.description }),
          ...(opts.version === undefined ? {} : { version: opts.version }),
          ...(opts.catchUp === undefined ? {} : { catchUp: opts.catchUp as CatchUpPolicy }),
          ...deploymentLimitFields(opts),
        };
        if (Object.keys(patch).length === 0) {
          throw new UsageError(
            "Nothing to change: give --concurrency-limit, --collision-strategy, --concurrency-key, --description, --version or --catch-up",
          );
        }
        const found = await findDeployment(ctx, ref);
        const d = await ctx.client.updateDeployment(found.id, patch);
        if (opts.json) return printJson(ctx, d);
        ctx.out(
          `Updated deployment '${deploymentRef(d)}': concurrency limit ${deploymentLimitText(d)}`,
        );
      }),
    "weir deployment update elevator/hourly --concurrency-limit 2 --collision-strategy CANCEL_NEW",
    "weir deployment update billing/per-customer --concurrency-limit 1 --concurrency-key customer.id",
    "weir deployment update elevator/hourly --no-concurrency-limit",
  );
}
