/**
 * Running an example flow as a script, Prefect-style:
 * `deno run -A examples/iris.ts --param testDataRatio=0.3` or `--param-file params.json`.
 * Works under Deno and Node (`node --import tsx examples/iris.ts`).
 *
 * @module
 */

import { envVar } from "../client/env.ts";
import { asyncLocalStorageAttribution } from "../hosts/async_local_storage.ts";
import { type AnyFlow, FlowRunError, setConsoleAttribution } from "../runtime/host.ts";

// Example modules are also bundled into the Worker, so this file imports no Node-only module
// at its top level; Node's fs is loaded only when a script reads a --param-file.

/** The command-line arguments after the script's path, under Deno or Node. */
function scriptArgs(): readonly string[] {
  const deno = (globalThis as { Deno?: { args: string[] } }).Deno;
  return deno?.args ?? nodeProcess?.argv.slice(2) ?? [];
}

/** The script's path as the user typed it, for the usage line. */
function scriptPath(): string {
  const deno = (globalThis as { Deno?: { mainModule?: string; cwd?: () => string } }).Deno;
  const entry = deno?.mainModule ?? nodeProcess?.argv?.[1] ?? "examples/<flow>.ts";
  const path = entry.startsWith("file://") ? decodeURI(entry.slice("file://".length)) : entry;
  const cwd = deno?.cwd?.() ?? nodeProcess?.cwd?.();
  return cwd !== undefined && path.startsWith(`${cwd}/`) ? path.slice(cwd.length + 1) : path;
}

/** Node's `process`, when running under Node. */
const nodeProcess = (
  globalThis as { process?: { argv: string[]; exitCode?: number; cwd?: () => string } }
).process;

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
 * Whether the arguments ask for help (`--help` or `-h`) rather than a run.
 *
 * @example
 * ```ts
 * wantsHelp(["--help"]); // true
 * ```
 */
export function wantsHelp(args: readonly string[]): boolean {
  return args.includes("--help") || args.includes("-h");
}

/**
 * The `--help` text of a flow run as a script: how to call it and each parameter from the
 * flow's schema, with its type, default and description.
 *
 * @example
 * ```ts
 * console.log(scriptUsage(elevator, "examples/elevator.ts"));
 * // Usage: npx deno run -A examples/elevator.ts [--param name=value]... [--param-file params.json]
 * // ...
 * //   --param floors=<integer>   How many floors to stop at (default: 10)
 * ```
 */
export function scriptUsage(flow: AnyFlow, script: string): string {
  const lines = [
    `Usage: npx deno run -A ${script} [--param name=value]... [--param-file params.json]`,
    `   or: node --import tsx ${script} [--param name=value]... [--param-file params.json]`,
    "",
    `Runs the flow '${flow.flowName}'${flow.options.description ? `: ${flow.options.description}` : ""}.`,
    "Values parse as JSON when they can (5 is a number, true a boolean), else as strings.",
    "",
  ];
  const schema = flow.jsonSchema() as
    | { properties?: Record<string, Record<string, unknown>>; required?: string[] }
    | undefined;
  const properties = Object.entries(schema?.properties ?? {});
  if (schema === undefined) {
    lines.push("Parameters: not declared (the flow has no schema).");
  } else if (properties.length === 0) {
    lines.push("Parameters: none.");
  } else {
    lines.push("Parameters:");
    const heads = properties.map(([name, prop]) => `  --param ${name}=<${typeName(prop)}>`);
    const width = Math.max(...heads.map((head) => head.length)) + 3;
    properties.forEach(([name, prop], i) => {
      const notes: string[] = [];
      if (typeof prop.description === "string") notes.push(prop.description);
      if ("default" in prop) notes.push(`(default: ${JSON.stringify(prop.default)})`);
      else if (schema.required?.includes(name)) notes.push("(required)");
      lines.push(`${(heads[i] ?? "").padEnd(width)}${notes.join(" ")}`.trimEnd());
    });
  }
  lines.push("", "Options:", "  --help, -h   Print this help and exit without running the flow");
  return lines.join("\n");
}

function typeName(prop: Record<string, unknown>): string {
  if (typeof prop.format === "string") return prop.format;
  if (typeof prop.type === "string") return prop.type === "array" ? "JSON array" : prop.type;
  return "JSON";
}

/**
 * Runs a flow with parameters from the command line, printing Prefect-style log lines; sets
 * a failing exit code when the run does not complete. With `--help` it prints
 * {@link scriptUsage} and runs nothing. With `WEIR_API_URL` set (and `WEIR_API_TOKEN` when the
 * server has one) the run is recorded on that server, as Prefect does with `PREFECT_API_URL`:
 * it executes here, its journal and logs go to the server, and its page's URL is printed.
 *
 * @example
 * ```ts
 * if (isMain(import.meta)) await runAsScript(catFact);
 * ```
 */
export async function runAsScript(
  flow: AnyFlow,
  defaults: Record<string, unknown> = {},
  args: readonly string[] = scriptArgs(),
): Promise<void> {
  if (wantsHelp(args)) {
    console.log(scriptUsage(flow, scriptPath()));
    return;
  }
  setConsoleAttribution(asyncLocalStorageAttribution());
  const { readFileSync } = await import("node:fs");
  const params = { ...defaults, ...parseParams(args, (path) => readFileSync(path, "utf8")) };
  try {
    let result: unknown;
    if (envVar("WEIR_API_URL") === undefined) result = await flow.run(params);
    else {
      // Loaded only when asked for: a script without a server never loads the remote host.
      const { startOnServer } = await import("../hosts/remote/mod.ts");
      const run = await startOnServer(flow, params);
      console.log(`View the run at ${run.url}`);
      result = await run.result();
    }
    console.log(JSON.stringify(result, null, 2));
  } catch (error) {
    if (!(error instanceof FlowRunError)) throw error;
    if (nodeProcess !== undefined) nodeProcess.exitCode = 1;
  }
}
