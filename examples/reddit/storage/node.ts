/**
 * The storage app under Node: `node --import tsx examples/reddit/storage/node.ts
 * [--port 9001] [--host 127.0.0.1] [--csv .wrangler/reddit/posts.csv]`.
 *
 * @module
 */

import { createStorageApp } from "./app.ts";
import { listeningLine, portInUse, storageConfig } from "./config.ts";
import { fileCsv } from "./csv_file.ts";
import { serveFetch } from "./node_serve.ts";

const config = storageConfig(process.argv.slice(2), process.env);
const app = createStorageApp({ csv: fileCsv(config.csvPath) });
try {
  const server = await serveFetch(app.fetch, config);
  console.log(listeningLine(server.url, config.csvPath));
} catch (error) {
  if ((error as { code?: string }).code !== "EADDRINUSE") throw error;
  console.error(portInUse(config));
  process.exitCode = 1;
}
