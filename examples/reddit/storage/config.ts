/**
 * What the storage app's entry files share: reading `--port`, `--host` and `--csv` (or the
 * `REDDIT_STORAGE_PORT`, `REDDIT_STORAGE_HOST`, `REDDIT_STORAGE_CSV` variables) and the line
 * printed once it listens.
 *
 * @example
 * ```ts
 * const config = storageConfig(["--port", "9002"], {});
 * // { port: 9002, hostname: "127.0.0.1", csvPath: ".wrangler/reddit/posts.csv" }
 * ```
 *
 * @module
 */

import { STORAGE_PORT } from "./app.ts";

/** Where the storage app listens and keeps its CSV. */
export interface StorageConfig {
  readonly port: number;
  readonly hostname: string;
  readonly csvPath: string;
}

/**
 * The CSV's default path: under `.wrangler/`, where `npm start` keeps its local state and
 * which git ignores.
 */
export const DEFAULT_CSV_PATH = ".wrangler/reddit/posts.csv";

/**
 * Reads the configuration from the command line, then the environment, then the defaults
 * (port {@link STORAGE_PORT} on 127.0.0.1, {@link DEFAULT_CSV_PATH}).
 *
 * @example
 * ```ts
 * storageConfig(["--csv", "/tmp/posts.csv"], { REDDIT_STORAGE_PORT: "9100" }).port; // 9100
 * ```
 */
export function storageConfig(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): StorageConfig {
  const flag = (name: string) => {
    const i = args.indexOf(`--${name}`);
    if (i === -1) return undefined;
    const value = args[i + 1];
    if (value === undefined || value.startsWith("--")) throw new Error(`--${name} needs a value`);
    return value;
  };
  const portText = flag("port") ?? env.REDDIT_STORAGE_PORT ?? String(STORAGE_PORT);
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`The port must be a whole number from 0 to 65535, got "${portText}"`);
  }
  return {
    port,
    hostname: flag("host") ?? env.REDDIT_STORAGE_HOST ?? "127.0.0.1",
    csvPath: flag("csv") ?? env.REDDIT_STORAGE_CSV ?? DEFAULT_CSV_PATH,
  };
}

/**
 * The line the entry files print once the app listens.
 *
 * @example
 * ```ts
 * console.log(listeningLine("http://127.0.0.1:9001", "posts.csv"));
 * ```
 */
export function listeningLine(url: string, csvPath: string): string {
  return [
    `Reddit posts storage API on ${url} (CSV: ${csvPath})`,
    `  GET ${url}/posts, POST ${url}/posts, GET ${url}/posts.csv`,
    `  offline listing: GET ${url}/r/redditdev/new.json`,
  ].join("\n");
}

/**
 * What to print when the port is taken: most likely the storage app is already running.
 *
 * @example
 * ```ts
 * console.error(portInUse(config));
 * ```
 */
export function portInUse(config: StorageConfig): string {
  return (
    `Port ${config.port} on ${config.hostname} is in use: is the storage app already running ` +
    `(curl http://${config.hostname}:${config.port}/health)? Pass --port to use another one, ` +
    "and give the pipeline that storageUrl."
  );
}
