/**
 * Where the storage app keeps its CSV: a file on disk (Deno and Node both read it through
 * `node:fs`). (`memoryCsv` in app.ts keeps it in memory.)
 *
 * @example
 * ```ts
 * const app = createStorageApp({ csv: fileCsv(".wrangler/reddit/posts.csv") });
 * ```
 *
 * @module
 */

import { appendFile, mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { CsvFile } from "./app.ts";

/**
 * A CSV file on disk.
 *
 * @example
 * ```ts
 * const csv = fileCsv("/tmp/posts.csv");
 * await csv.append("id\r\n");
 * ```
 */
export function fileCsv(path: string): CsvFile {
  return {
    description: path,
    async read() {
      try {
        return await readFile(path, "utf8");
      } catch (error) {
        if ((error as { code?: string }).code === "ENOENT") return undefined;
        throw error;
      }
    },
    async append(text) {
      await mkdir(dirname(path), { recursive: true });
      await appendFile(path, text, "utf8");
    },
  };
}
