/**
 * What every command shares: the global options, the settings they resolve to (flags, then
 * `WEIR_API_URL` / `WEIR_API_TOKEN`, then the profile, then the default), the client, and
 * where output goes.
 *
 * @module
 */

import process from "node:process";
import { WebSocket as NodeWebSocket } from "ws";
import { WeirClient } from "../client/client.ts";
import { DEFAULT_API_URL } from "../client/env.ts";
import type { WebSocketConstructor } from "../client/live.ts";
import { configPath, type Profile, readConfig } from "./config_store.ts";
import { useColor } from "./format.ts";

/** The options every command takes (on the `weir` command itself). */
export interface GlobalOptions {
  apiUrl?: string;
  token?: string;
  profile?: string;
}

/** Where each setting came from, for `weir config view`. */
export type Source = "flag" | "env" | "profile" | "default";

/** The settings in force. */
export interface Settings {
  readonly profile: string;
  readonly apiUrl: string;
  readonly apiUrlFrom: Source;
  readonly token: string | undefined;
  readonly tokenFrom: Source;
  readonly configPath: string;
}

/**
 * The settings in force: each from a flag, else the environment, else the profile.
 *
 * @example
 * ```ts
 * const settings = resolveSettings({ apiUrl: "http://127.0.0.1:9000" }, process.env);
 * ```
 */
export function resolveSettings(
  flags: GlobalOptions,
  env: Record<string, string | undefined> = process.env,
): Settings {
  const path = configPath(env);
  const config = readConfig(path);
  const profileName = flags.profile || env.WEIR_PROFILE || config.current;
  const profile: Profile = config.profiles[profileName] ?? {};
  const pick = (flag: string | undefined, envValue: string | undefined, saved?: string) =>
    flag
      ? ([flag, "flag"] as const)
      : envValue
        ? ([envValue, "env"] as const)
        : saved
          ? ([saved, "profile"] as const)
          : ([undefined, "default"] as const);
  const [apiUrl, apiUrlFrom] = pick(flags.apiUrl, env.WEIR_API_URL, profile.apiUrl);
  const [token, tokenFrom] = pick(flags.token, env.WEIR_API_TOKEN, profile.token);
  return {
    profile: profileName,
    apiUrl: apiUrl ?? DEFAULT_API_URL,
    apiUrlFrom,
    token,
    tokenFrom,
    configPath: path,
  };
}

/** A command's view of the world. */
export interface Context {
  readonly settings: Settings;
  readonly client: WeirClient;
  /** Colour on stdout (a TTY, `NO_COLOR` unset). */
  readonly color: boolean;
  out(text: string): void;
  err(text: string): void;
}

/**
 * The context for the global options given.
 *
 * @example
 * ```ts
 * const ctx = makeContext(program.opts());
 * ```
 */
export function makeContext(flags: GlobalOptions): Context {
  const settings = resolveSettings(flags);
  const Ctor = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  return {
    settings,
    client: new WeirClient({
      baseUrl: settings.apiUrl,
      token: settings.token ?? null,
      WebSocket: Ctor ?? (NodeWebSocket as unknown as WebSocketConstructor),
    }),
    color: useColor(process.stdout.isTTY, process.env),
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  };
}

/**
 * Prints a value as the API's JSON, indented, for `--json`.
 *
 * @example
 * ```ts
 * printJson(ctx, await ctx.client.getRun(id));
 * ```
 */
export function printJson(ctx: Context, value: unknown): void {
  ctx.out(JSON.stringify(value, null, 2));
}
