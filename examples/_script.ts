/**
 * Running an example flow as a script, Prefect-style:
 * `deno run -A examples/iris.ts --param testDataRatio=0.3` or `--param-file params.json`.
 * Works under Deno and Node (`node --import tsx examples/iris.ts`).
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { asyncLocalStorageAttribution } from "../hosts/async_local_storage.ts";
import { type AnyFlow, FlowRunError, setConsoleAttribution } from "../runtime/mod.ts";

// Scripts run on Node or Deno, which have async context: attribute every printed line exactly.
setConsoleAttribution(asyncLocalStorageAttribution());

/**
 * Whether the module with this `import.meta` is the program's entry point.
 *
 * @example
 * ```ts
 * if (isMain(import.meta)) await runAsScript(myFlow);
 * ```
 */
export function isMain(meta: ImportMeta): boolean {
  const main = (meta as { main?: boolean }).main;
  if (typeof main === "boolean") return main;
  const entry = globalThis.process?.argv?.[1];
  return entry !== undefined && meta.url === pathToFileURL(entry).href;
}

/**
 * Parses `--param key=value` (values as JSON when they parse, else strings) and
 * `--param-file path.json`, as `prefect run` does.
 *
 * @example
 * ```ts
 * parseParams(["--param", "testDataRatio=0.3"]); // { testDataRatio: 0.3 }
 * ```
 */
export function parseParams(args: readonly string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = args[i + 1];
    if (arg === "--param-file" && value !== undefined) {
      Object.assign(params, JSON.parse(readFileSync(value, "utf8")));
      i++;
    } else if (arg === "--param" && value !== undefined) {
      const eq = value.indexOf("=");
      if (eq === -1) throw new Error(`--param ${value}: expected key=value`);
      const raw = value.slice(eq + 1);
      let parsed: unknown = raw;
      try {
        parsed = JSON.parse(raw);
      } catch {
        // Not JSON: keep the string.
      }
      params[value.slice(0, eq)] = parsed;
      i++;
    }
  }
  return params;
}

/**
 * Runs a flow with parameters from the command line, printing Prefect-style log lines; sets
 * a failing exit code when the run does not complete.
 *
 * @example
 * ```ts
 * if (isMain(import.meta)) await runAsScript(catFact);
 * ```
 */
export async function runAsScript(
  flow: AnyFlow,
  defaults: Record<string, unknown> = {},
): Promise<void> {
  const deno = (globalThis as { Deno?: { args: string[] } }).Deno;
  const args = deno?.args ?? globalThis.process?.argv.slice(2) ?? [];
  try {
    const result = await flow.run({ ...defaults, ...parseParams(args) });
    console.log(JSON.stringify(result, null, 2));
  } catch (error) {
    if (!(error instanceof FlowRunError)) throw error;
    if (globalThis.process !== undefined) globalThis.process.exitCode = 1;
  }
}
