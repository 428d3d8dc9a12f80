/**
 * `weir config set|unset|view|use`: the API address and token, per named profile.
 *
 * @module
 */

import type { Command } from "commander";
import { CONFIG_KEYS, configKey, readConfig, writeConfig } from "../config_store.ts";
import { resolveSettings } from "../context.ts";
import { example, type GlobalsOf } from "../program_helpers.ts";

/**
 * Adds `weir config` to the program.
 *
 * @example
 * ```ts
 * configCommands(program);
 * ```
 */
export function configCommands(program: Command, globals: GlobalsOf): void {
  const config = program
    .command("config")
    .description("Show or change the CLI's settings (api-url, token) per profile");
  example(config, "weir config set api-url http://127.0.0.1:8787");

  const profileOf = (cmd: Command) => resolveSettings(globals(cmd));

  example(
    config
      .command("set")
      .description(`Set a setting of the profile (${Object.keys(CONFIG_KEYS).join(", ")})`)
      .argument("<key>", "api-url or token")
      .argument("<value>", "the value")
      .action((key: string, value: string, _opts: unknown, cmd: Command) => {
        const settings = profileOf(cmd);
        const field = CONFIG_KEYS[configKey(key)];
        const file = readConfig(settings.configPath);
        file.profiles[settings.profile] = { ...file.profiles[settings.profile], [field]: value };
        writeConfig(settings.configPath, file);
        process.stdout.write(
          `Set ${key} in profile '${settings.profile}' (${settings.configPath})\n`,
        );
      }),
    "weir config set token s3cret --profile prod",
  );

  example(
    config
      .command("unset")
      .description("Remove a setting from the profile")
      .argument("<key>", "api-url or token")
      .action((key: string, _opts: unknown, cmd: Command) => {
        const settings = profileOf(cmd);
        const field = CONFIG_KEYS[configKey(key)];
        const file = readConfig(settings.configPath);
        const profile = { ...file.profiles[settings.profile] };
        delete profile[field];
        file.profiles[settings.profile] = profile;
        writeConfig(settings.configPath, file);
        process.stdout.write(`Unset ${key} in profile '${settings.profile}'\n`);
      }),
    "weir config unset token",
  );

  example(
    config
      .command("use")
      .description("Make a profile the one used when --profile and WEIR_PROFILE are not given")
      .argument("<profile>", "the profile's name")
      .action((name: string, _opts: unknown, cmd: Command) => {
        const settings = profileOf(cmd);
        const file = readConfig(settings.configPath);
        file.current = name;
        file.profiles[name] ??= {};
        writeConfig(settings.configPath, file);
        process.stdout.write(`Using profile '${name}'\n`);
      }),
    "weir config use prod",
  );

  example(
    config
      .command("view")
      .description("Show the settings in force and where each comes from (the token masked)")
      .option("--json", "print JSON")
      .option("--show-token", "print the token itself")
      .action((opts: { json?: boolean; showToken?: boolean }, cmd: Command) => {
        const s = profileOf(cmd);
        const token = s.token === undefined ? null : opts.showToken ? s.token : `${"*".repeat(8)}`;
        const view = {
          profile: s.profile,
          configPath: s.configPath,
          apiUrl: s.apiUrl,
          apiUrlFrom: s.apiUrlFrom,
          token,
          tokenFrom: s.tokenFrom,
          profiles: Object.keys(readConfig(s.configPath).profiles),
        };
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
          return;
        }
        process.stdout.write(
          `${[
            `profile  ${s.profile}  (${s.configPath})`,
            `api-url  ${s.apiUrl}  (from ${s.apiUrlFrom})`,
            `token    ${token ?? "(none)"}  (from ${s.tokenFrom})`,
          ].join("\n")}\n`,
        );
      }),
    "weir config view --json",
  );
}
