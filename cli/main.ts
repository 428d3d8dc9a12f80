#!/usr/bin/env -S node --import tsx
/**
 * The `weir` command's entry file: `npx weir ...` (through cli/bin.mjs), or
 * `npx deno run -A cli/main.ts ...`.
 *
 * @example
 * ```sh
 * npx weir flow run cat-fact --param n=2 --watch
 * ```
 *
 * @module
 */

import process from "node:process";
import { main } from "./program.ts";

process.exitCode = await main(process.argv.slice(2));
