/**
 * The CLI's settings: named profiles of `api-url` and `token`, kept as JSON in the user's
 * config dir (`$WEIR_CONFIG_DIR`, else `$XDG_CONFIG_HOME/weir`, `%APPDATA%\weir` on Windows,
 * or `~/.config/weir`), in `config.json`, readable by the user only.
 *
 * @module
 */

import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { UsageError } from "./usage_error.ts";

/** A profile's settings. */
export interface Profile {
  apiUrl?: string;
  token?: string;
}

/** The config file's content. */
export interface ConfigFile {
  /** The profile used when neither `--profile` nor `WEIR_PROFILE` names one. */
  current: string;
  profiles: Record<string, Profile>;
}

/**
 * The keys `weir config set|unset` takes, and the profile fields they map to.
 *
 * @example
 * ```ts
 * CONFIG_KEYS["api-url"]; // "apiUrl"
 * ```
 */
export const CONFIG_KEYS = { "api-url": "apiUrl", token: "token" } as const;

/** One of {@link CONFIG_KEYS}' keys. */
export type ConfigKey = keyof typeof CONFIG_KEYS;

/**
 * The config file's path.
 *
 * @example
 * ```ts
 * configPath({ WEIR_CONFIG_DIR: "/tmp/w" }); // "/tmp/w/config.json"
 * ```
 */
export function configPath(env: Record<string, string | undefined> = process.env): string {
  const dir =
    env.WEIR_CONFIG_DIR ||
    (env.XDG_CONFIG_HOME ? join(env.XDG_CONFIG_HOME, "weir") : undefined) ||
    (process.platform === "win32" && env.APPDATA ? join(env.APPDATA, "weir") : undefined) ||
    join(homedir(), ".config", "weir");
  return join(dir, "config.json");
}

/**
 * Reads the config file (an empty default profile when there is none).
 *
 * @example
 * ```ts
 * const config = readConfig(configPath());
 * ```
 */
export function readConfig(path: string): ConfigFile {
  if (!existsSync(path)) return { current: "default", profiles: {} };
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<ConfigFile>;
    return {
      current: typeof parsed.current === "string" ? parsed.current : "default",
      profiles:
        parsed.profiles !== null && typeof parsed.profiles === "object" ? parsed.profiles : {},
    };
  } catch (error) {
    throw new UsageError(
      `The config file ${path} is not valid JSON (${(error as Error).message}); fix or delete it`,
    );
  }
}

/**
 * Writes the config file, readable and writable by the user only (it may hold a token).
 *
 * @example
 * ```ts
 * writeConfig(configPath(), { current: "default", profiles: { default: { apiUrl: "http://x" } } });
 * ```
 */
export function writeConfig(path: string, config: ConfigFile): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/**
 * A config key from the command line, or a usage error listing the known ones.
 *
 * @example
 * ```ts
 * configKey("api-url"); // "api-url"
 * ```
 */
export function configKey(text: string): ConfigKey {
  if (text in CONFIG_KEYS) return text as ConfigKey;
  throw new UsageError(
    `Unknown config key '${text}'; the keys are ${Object.keys(CONFIG_KEYS).join(", ")}`,
  );
}
