/**
 * Running an example flow as a script, Prefect-style:
 * `deno run -A examples/iris.ts --param testDataRatio=0.3` or `--param-file params.json`.
 * Works under Deno and Node (`node --import tsx examples/iris.ts`).
 *
 * @module
 */

import { asyncLocalStorageAttribution } from "../hosts/async_local_storage.ts";
import { type AnyFlow, FlowRunError, setConsoleAttribution } from "../runtime/mod.ts";

// Example modules are also bundled into the Worker, so this file imports no Node-only module
// at its top level; Node's fs is loaded only when a script reads a --param-file.

/** Node's `process`, when running under Node. */
const nodeProcess = (globalThis as { process?: { argv: string[]; exitCode?: number } }).process;

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
  const entry = nodeProcess?.argv?.[1];
  const url = (meta as { url?: string }).url;
  return entry !== undefined && url !== undefined && decodeURI(url) === `file://${entry}`;
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
export function parseParams(
  args: readonly string[],
  readFile: (path: string) => string = () => {
    throw new Error("--param-file needs a file reader");
  },
): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = args[i + 1];
    if (arg === "--param-file" && value !== undefined) {
      Object.assign(params, JSON.parse(readFile(value)));
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
  setConsoleAttribution(asyncLocalStorageAttribution());
  const deno = (globalThis as { Deno?: { args: string[] } }).Deno;
  const args = deno?.args ?? nodeProcess?.argv.slice(2) ?? [];
  const { readFileSync } = await import("node:fs");
  try {
    const result = await flow.run({
      ...defaults,
      ...parseParams(args, (path) => readFileSync(path, "utf8")),
    });
    console.log(JSON.stringify(result, null, 2));
  } catch (error) {
    if (!(error instanceof FlowRunError)) throw error;
    if (nodeProcess !== undefined) nodeProcess.exitCode = 1;
  }
}
