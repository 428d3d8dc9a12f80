/**
 * The storage app under Deno: `deno run -A examples/reddit/storage/deno.ts [--port 9001]
 * [--host 127.0.0.1] [--csv .wrangler/reddit/posts.csv]` (it needs --allow-net, --allow-env,
 * and read and write access to the CSV).
 *
 * @module
 */

import { createStorageApp } from "./app.ts";
import { listeningLine, portInUse, storageConfig } from "./config.ts";
import { fileCsv } from "./csv_file.ts";

/** The part of Deno's API this file uses (the project type-checks without Deno's types). */
interface DenoApi {
  readonly args: string[];
  readonly env: { toObject(): Record<string, string> };
  exit(code: number): never;
  serve(
    options: { port: number; hostname: string; onListen?: (addr: { port: number }) => void },
    handler: (request: Request) => Response | Promise<Response>,
  ): unknown;
}

const deno = (globalThis as { Deno?: DenoApi }).Deno;
if (deno === undefined) {
  throw new Error(
    "examples/reddit/storage/deno.ts runs under Deno; under Node run examples/reddit/storage/node.ts",
  );
}
const config = storageConfig(deno.args, deno.env.toObject());
const app = createStorageApp({ csv: fileCsv(config.csvPath) });
const host = config.hostname.includes(":") ? `[${config.hostname}]` : config.hostname;
try {
  deno.serve(
    {
      port: config.port,
      hostname: config.hostname,
      // Deno's own "Listening on" line is replaced by one that names the routes and the CSV.
      onListen: ({ port }) => console.log(listeningLine(`http://${host}:${port}`, config.csvPath)),
    },
    app.fetch,
  );
} catch (error) {
  if ((error as Error).name !== "AddrInUse") throw error;
  console.error(portInUse(config));
  deno.exit(1);
}
