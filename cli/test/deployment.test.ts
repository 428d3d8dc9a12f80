// `weir deployment ...`, `weir deployment schedule ...`, `weir schedule preview` and
// `weir scheduler tick` as a user runs them (a child process, as `npx weir` does) against the
// real Worker under `wrangler dev`: a deployment of the offline `elevator` flow created over
// the API, every command with `--json` parsed, a watched run's exit code, 422s naming the
// parameter and the schedule field, an unknown deployment, and bad arguments. The first block
// checks the option parsing without a server.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { SchedulerTickSummary } from "../../client/deployments.ts";
import { WeirApiError } from "../../client/errors.ts";
import type { Deployment, DeploymentSchedule, SchedulePreview } from "../../protocol/deployment.ts";
import type { RunDetail, RunSummary } from "../../protocol/run.ts";
import { nextRunOf, scheduleSpecText, scheduleText } from "../format.ts";
import { scheduleFromOptions, withScheduleFlag } from "../schedule_options.ts";
import { UsageError } from "../usage_error.ts";
import { type DevServer, startServer, weir } from "./server.ts";

describe("schedule options and formatting", () => {
  test("exactly one of --cron, --interval, --rrule makes the spec", () => {
    assert.deepEqual(scheduleFromOptions({ cron: "0 0 * * *", timezone: "Europe/Madrid" }, true), {
      cron: "0 0 * * *",
      timezone: "Europe/Madrid",
    });
    assert.deepEqual(scheduleFromOptions({ cron: "0 0 * * *", dayOr: false }, true), {
      cron: "0 0 * * *",
      dayOr: false,
    });
    assert.deepEqual(scheduleFromOptions({ interval: "3600" }, true), { interval: 3600 });
    assert.deepEqual(
      scheduleFromOptions({ interval: "2h", anchorDate: "2030-01-01T00:00:00Z" }, true),
      { interval: "2h", anchorDate: "2030-01-01T00:00:00Z" },
    );
    assert.deepEqual(scheduleFromOptions({ rrule: "FREQ=DAILY", dayOr: true }, true), {
      rrule: "FREQ=DAILY",
    });
    assert.equal(scheduleFromOptions({ dayOr: true }, false), undefined);
    const bad: [Parameters<typeof scheduleFromOptions>[0], boolean, RegExp][] = [
      [{ cron: "x", interval: "1h" }, true, /not --cron and --interval/],
      [{}, true, /Give a schedule/],
      [{ timezone: "UTC" }, false, /need --cron, --interval or --rrule/],
      [{ cron: "0 0 * * *", anchorDate: "2030-01-01T00:00:00Z" }, true, /--anchor-date goes/],
      [{ interval: "1h", dayOr: false }, true, /--no-day-or goes with --cron/],
    ];
    for (const [opts, required, message] of bad) {
      assert.throws(
        () => scheduleFromOptions(opts, required),
        (e: unknown) => {
          assert.ok(e instanceof UsageError);
          assert.match(e.message, message);
          return true;
        },
      );
    }
  });

  test("a 422 about a schedule field names the flag that gave it", () => {
    const error = new WeirApiError(422, "invalid_value", "not a cron", "schedule.cron");
    const named = withScheduleFlag(error, { cron: "nope" });
    assert.ok(named instanceof WeirApiError);
    assert.equal(named.field, "schedule.cron");
    assert.equal(named.message, "not a cron (given as --cron 'nope')");
    const other = new WeirApiError(404, "not_found", "no deployment");
    assert.equal(withScheduleFlag(other, {}), other);
  });

  test("schedules in words and as typed; a deployment's next run", () => {
    assert.equal(scheduleText({ interval: "2h" }), "Every 2 hours");
    assert.equal(
      scheduleSpecText({ cron: "0 0 * * *", timezone: "America/Sao_Paulo" }),
      "cron 0 0 * * * (America/Sao_Paulo)",
    );
    assert.equal(scheduleSpecText({ interval: 90 }), "interval 90s");
    const schedule = (active: boolean, nextRunAt: number | null): DeploymentSchedule => ({
      id: "s",
      active,
      schedule: { interval: "1h" },
      nextRunAt,
    });
    const schedules = [schedule(true, 500), schedule(false, 100), schedule(true, null)];
    assert.equal(nextRunOf({ paused: false, schedules }), 500);
    assert.equal(nextRunOf({ paused: true, schedules }), null);
    assert.equal(nextRunOf({ paused: false, schedules: [] }), null);
  });
});

describe("weir deployment against a local Worker", { timeout: 600_000 }, () => {
  let server: DevServer;
  let configDir: string;
  let env: Record<string, string>;
  let deployment: Deployment;
  const REF = "elevator/cli-test";

  before(async () => {
    server = await startServer();
    configDir = mkdtempSync(join(tmpdir(), "weir-cli-config-"));
    env = { WEIR_API_URL: server.url, WEIR_CONFIG_DIR: configDir };
    deployment = await server.api<Deployment>("/api/deployments", {
      method: "POST",
      body: {
        flowName: "elevator",
        name: "cli-test",
        description: "made by cli/test/deployment.test.ts",
        tags: ["cli"],
        parameters: { floors: 2, msPerFloor: 0 },
        schedules: [{ schedule: { interval: "1h" } }],
      },
    });
  });
  after(async () => {
    await server?.stop();
    if (configDir !== undefined) rmSync(configDir, { recursive: true, force: true });
  });

  const json = <T>(text: string): T => JSON.parse(text) as T;
  /** Runs weir, asserts exit 0, answers its stdout as JSON. */
  const weirJson = async <T>(args: string[]): Promise<T> => {
    const result = await weir(args, env);
    assert.equal(result.code, 0, `weir ${args.join(" ")}: ${result.stdout}${result.stderr}`);
    return json<T>(result.stdout);
  };

  test("deployment ls, as a table and as JSON", async () => {
    const listed = await weirJson<Deployment[]>(["deployment", "ls", "--json"]);
    const mine = listed.find((d) => d.id === deployment.id);
    assert.equal(mine?.name, "cli-test");
    const shown = await weir(["deployment", "ls"], env);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^DEPLOYMENT\s+SCHEDULE\s+NEXT RUN\s+PAUSED\s+TAGS/);
    assert.match(shown.stdout, /\nelevator\/cli-test\s+Every hour\s+(in \S+|-)\s+no\s+cli/);
  });

  test("deployment inspect by FLOW/NAME and by id; the tick schedules its coming runs", async () => {
    const byName = await weirJson<Deployment>(["deployment", "inspect", REF, "--json"]);
    assert.equal(byName.id, deployment.id);
    assert.deepEqual(byName.parameters, { floors: 2, msPerFloor: 0 });
    const byId = await weirJson<Deployment>(["deployment", "inspect", deployment.id, "--json"]);
    assert.equal(byId.name, "cli-test");

    const tick = await weirJson<SchedulerTickSummary>(["scheduler", "tick", "--json"]);
    assert.ok(tick.schedulesDue >= 1 && tick.runsCreated >= 3, JSON.stringify(tick));
    const human = await weir(["scheduler", "tick"], env);
    assert.equal(human.code, 0, human.stderr);
    assert.match(
      human.stdout,
      /^Scheduler tick at \d\d:\d\d:\d\d \(took \S+\)\n {2}Schedules due\s+\d+\n {2}Runs created\s+\d+/,
    );

    const shown = await weir(["deployment", "inspect", REF], env);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^Deployment\s+elevator\/cli-test \(/);
    assert.match(shown.stdout, /Parameters\s+\{"floors":2,"msPerFloor":0\}/);
    assert.match(shown.stdout, /SCHEDULE ID\s+ACTIVE\s+SCHEDULE\s+SPEC\s+NEXT RUN/);
    assert.match(shown.stdout, /\s+yes\s+Every hour\s+interval 1h\s+in /);
    assert.match(shown.stdout, /UPCOMING RUN\s+ID\s+STATE\s+STARTS\n.*Scheduled\s+in /);
  });

  test("deployment run --watch exits 0 on a completed run, with defaults under --param", async () => {
    const result = await weir(
      ["deployment", "run", REF, "--param", "floors=1", "--tag", "watched", "--watch"],
      env,
    );
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /of deployment 'elevator\/cli-test'; watching it/);
    assert.match(result.stdout, /task 'floor-1' is Completed/);
    const id = /\(([0-9a-f-]{36})\) ended Completed/.exec(result.stdout)?.[1];
    assert.ok(id, result.stdout);
    const run = await weirJson<RunDetail>(["flow-run", "inspect", id, "--json"]);
    assert.deepEqual(run.parameters, { floors: 1, msPerFloor: 0 });
    assert.ok(run.tags.includes("cli") && run.tags.includes("watched"), run.tags.join());

    const file = join(configDir, "params.json");
    writeFileSync(file, JSON.stringify({ floors: 3 }));
    const watched = await weirJson<RunDetail>([
      "deployment",
      "run",
      deployment.id,
      "--params-file",
      file,
      "--watch",
      "--json",
    ]);
    assert.equal(watched.state?.type, "COMPLETED");
    assert.deepEqual(watched.result, [3, 2, 1]);
  });

  test("deployment run without --watch, --at and --idempotency-key", async () => {
    const args = ["deployment", "run", REF, "--at", "+1h", "--idempotency-key", "cli-k1", "--json"];
    const a = await weirJson<RunDetail>(args);
    assert.equal(a.state?.type, "SCHEDULED");
    const b = await weirJson<RunDetail>(args);
    assert.equal(b.id, a.id);
    const human = await weir(["deployment", "run", REF, "--at", "+1h"], env);
    assert.equal(human.code, 0, human.stderr);
    assert.match(
      human.stdout,
      /Created flow run .* of deployment 'elevator\/cli-test': Scheduled\nFollow it with: weir flow-run watch /,
    );
  });

  test("flow-run ls --deployment lists its runs", async () => {
    const runs = await weirJson<RunSummary[]>([
      "flow-run",
      "ls",
      "--deployment",
      REF,
      "--state",
      "SCHEDULED",
      "--json",
    ]);
    assert.ok(runs.length >= 1);
    assert.ok(runs.every((r) => r.deploymentId === deployment.id && r.state.type === "SCHEDULED"));
    const unknown = await weir(["flow-run", "ls", "--deployment", "elevator/nope"], env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /No deployment 'elevator\/nope'/);
  });

  test("a bad --param is a 422 naming the parameter (exit 2)", async () => {
    const result = await weir(["deployment", "run", REF, "--param", "floors=0"], env);
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.match(result.stderr, /Invalid value 'parameters\.floors'/);
  });

  test("schedule create, ls, pause, resume, delete", async () => {
    const created = await weirJson<Deployment>([
      "deployment",
      "schedule",
      "create",
      REF,
      "--cron",
      "0 0 * * *",
      "--timezone",
      "America/Sao_Paulo",
      "--json",
    ]);
    const added = created.schedules.find((s) => "cron" in s.schedule);
    assert.ok(added, JSON.stringify(created.schedules));
    assert.deepEqual(added.schedule, { cron: "0 0 * * *", timezone: "America/Sao_Paulo" });
    assert.equal(added.active, true);

    const listed = await weirJson<DeploymentSchedule[]>([
      "deployment",
      "schedule",
      "ls",
      REF,
      "--json",
    ]);
    assert.equal(listed.length, 2);
    const table = await weir(["deployment", "schedule", "ls", REF], env);
    assert.match(
      table.stdout,
      new RegExp(
        `${added.id}\\s+yes\\s+At 00:00 in America/Sao_Paulo\\s+cron 0 0 \\* \\* \\* \\(America/Sao_Paulo\\)`,
      ),
    );

    const human = await weir(
      ["deployment", "schedule", "create", REF, "--interval", "90m", "--inactive"],
      env,
    );
    assert.equal(human.code, 0, human.stderr);
    assert.match(
      human.stdout,
      /Created schedule \S+ of deployment 'elevator\/cli-test': .*\(inactive\)/,
    );

    const paused = await weirJson<Deployment>([
      "deployment",
      "schedule",
      "pause",
      REF,
      added.id,
      "--json",
    ]);
    assert.equal(paused.schedules.find((s) => s.id === added.id)?.active, false);
    const resumed = await weir(["deployment", "schedule", "resume", REF, added.id], env);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(
      resumed.stdout,
      new RegExp(`Resumed schedule ${added.id} .*\\(active\\); next run in `),
    );
    const deleted = await weir(["deployment", "schedule", "delete", REF, added.id], env);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, /Deleted schedule .*At 00:00 in America\/Sao_Paulo/);
    const after = await weirJson<DeploymentSchedule[]>([
      "deployment",
      "schedule",
      "ls",
      REF,
      "--json",
    ]);
    assert.ok(!after.some((s) => s.id === added.id));

    const unknown = await weir(["deployment", "schedule", "pause", REF, "nope"], env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /has no schedule 'nope'; its schedules are .*\(Every hour\)/);
  });

  test("a bad cron, time zone or interval is a 422 naming the field and the flag", async () => {
    const cases: [string[], RegExp][] = [
      [["--cron", "not a cron"], /Invalid value '\S*cron'.*\(given as --cron 'not a cron'\)/s],
      [
        ["--cron", "0 0 * * *", "--timezone", "Mars/Olympus"],
        /Invalid value '\S*timezone'.*--timezone 'Mars\/Olympus'/s,
      ],
      [["--interval", "soon"], /Invalid value '\S*interval'.*--interval 'soon'/s],
    ];
    for (const [flags, message] of cases) {
      const result = await weir(["deployment", "schedule", "create", REF, ...flags], env);
      assert.equal(result.code, 2, `${flags.join(" ")}: ${result.stdout}${result.stderr}`);
      assert.match(result.stderr, message);
    }
  });

  test("schedule preview", async () => {
    const answer = await weirJson<SchedulePreview>([
      "schedule",
      "preview",
      "--interval",
      "2h",
      "--from",
      "2030-01-01T00:00:00Z",
      "--count",
      "3",
      "--json",
    ]);
    assert.equal(answer.description, "Every 2 hours");
    assert.equal(answer.times.length, 3);
    assert.ok(
      answer.times.every((t) => Date.parse(t) > Date.UTC(2030, 0, 1)),
      answer.times.join(),
    );
    const human = await weir(
      [
        "schedule",
        "preview",
        "--cron",
        "0 0 * * *",
        "--timezone",
        "America/Sao_Paulo",
        "--count",
        "2",
      ],
      env,
    );
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^At 00:00 in America\/Sao_Paulo\n {2}\S+T00:00:00-03:00 {2}\(in /);
    const bad = await weir(["schedule", "preview", "--rrule", "FREQ=SOMETIMES"], env);
    assert.equal(bad.code, 2, bad.stdout + bad.stderr);
    assert.match(bad.stderr, /Invalid value '\S*rrule'.*--rrule/s);
  });

  test("deployment pause and resume", async () => {
    const paused = await weirJson<Deployment>(["deployment", "pause", REF, "--json"]);
    assert.equal(paused.paused, true);
    const listed = await weir(["deployment", "ls"], env);
    assert.match(listed.stdout, /\nelevator\/cli-test\s+.*\s+-\s+yes\s+cli/);
    const resumed = await weir(["deployment", "resume", REF], env);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, /Resumed deployment 'elevator\/cli-test': next run in /);
    const again = await weir(["deployment", "pause", deployment.id], env);
    assert.match(again.stdout, /Paused deployment 'elevator\/cli-test'/);
    await weir(["deployment", "resume", deployment.id], env);
  });

  test("deployment create and delete", async () => {
    const created = await weirJson<Deployment>([
      "deployment",
      "create",
      "elevator/cli-made",
      "--param",
      "floors=3",
      "--tag",
      "made",
      "--interval",
      "90m",
      "--catch-up",
      "latest",
      "--description",
      "made by the CLI",
      "--json",
    ]);
    assert.equal(created.flowName, "elevator");
    assert.deepEqual(created.parameters, { floors: 3 });
    assert.equal(created.catchUp, "latest");
    assert.deepEqual(
      created.schedules.map((s) => s.schedule),
      [{ interval: "90m" }],
    );
    const deleted = await weir(["deployment", "delete", "elevator/cli-made"], env);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, /Deleted deployment 'elevator\/cli-made'/);
    const gone = await weir(["deployment", "inspect", created.id], env);
    assert.equal(gone.code, 2);

    const human = await weir(["deployment", "create", "elevator/cli-plain"], env);
    assert.equal(human.code, 0, human.stderr);
    assert.match(
      human.stdout,
      /Created deployment 'elevator\/cli-plain' \(\S+\): no schedule\nRun it with: weir deployment run elevator\/cli-plain --watch/,
    );
    assert.equal((await weir(["deployment", "delete", "elevator/cli-plain"], env)).code, 0);

    const taken = await weir(["deployment", "create", REF], env);
    assert.equal(taken.code, 2, taken.stdout + taken.stderr);
    assert.match(
      taken.stderr,
      /'elevator\/cli-test' already exists\. See it with `weir deployment inspect elevator\/cli-test`/,
    );

    const badFlow = await weir(["deployment", "create", "no-such-flow/x"], env);
    assert.equal(badFlow.code, 2, badFlow.stdout + badFlow.stderr);
    assert.match(badFlow.stderr, /no-such-flow/);
  });

  test("an unknown deployment exits 2 and lists the known ones", async () => {
    for (const ref of ["elevator/nope", "0b7a2c1e-5d4f-4e3a-9c8b-7a6f5e4d3c2b", "nope"]) {
      for (const args of [
        ["deployment", "inspect", ref],
        ["deployment", "run", ref, "--watch"],
        ["deployment", "schedule", "ls", ref],
      ]) {
        const result = await weir(args, env);
        assert.equal(result.code, 2, `${args.join(" ")}: ${result.stdout}${result.stderr}`);
        assert.match(
          result.stderr,
          new RegExp(`No deployment '${ref}'.*Known deployments: .*elevator/cli-test`),
        );
      }
    }
  });

  test("bad arguments exit 2 with a message; every command's --help has an example", async () => {
    const cases: [string[], RegExp][] = [
      [["deployment", "inspect"], /missing required argument 'deployment'/],
      [["deployment", "schedule", "create", REF], /Give a schedule: --cron/],
      [
        ["deployment", "schedule", "create", REF, "--cron", "0 0 * * *", "--interval", "1h"],
        /not --cron and --interval/,
      ],
      [["deployment", "schedule", "pause", REF], /missing required argument 'schedule-id'/],
      [["deployment", "run", REF, "--param", "floors"], /--param needs KEY=VALUE/],
      [["deployment", "create", "elevator"], /Name the deployment as FLOW\/NAME/],
      [
        ["deployment", "create", "elevator/x", "--catch-up", "some"],
        /--catch-up must be one of skip, latest, all/,
      ],
      [["schedule", "preview", "--interval", "1h", "--count", "0"], /--count must be/],
      [["schedule", "preview", "--interval", "1h", "--from", "soon"], /--from needs/],
      [["scheduler", "tock"], /unknown command 'tock'/],
    ];
    for (const [args, message] of cases) {
      const result = await weir(args, env);
      assert.equal(result.code, 2, `weir ${args.join(" ")}: ${result.stdout}${result.stderr}`);
      assert.match(result.stdout + result.stderr, message, `weir ${args.join(" ")}`);
    }
    const commands = [
      ["deployment"],
      ["deployment", "ls"],
      ["deployment", "inspect"],
      ["deployment", "run"],
      ["deployment", "create"],
      ["deployment", "pause"],
      ["deployment", "resume"],
      ["deployment", "delete"],
      ["deployment", "schedule"],
      ["deployment", "schedule", "ls"],
      ["deployment", "schedule", "create"],
      ["deployment", "schedule", "pause"],
      ["deployment", "schedule", "resume"],
      ["deployment", "schedule", "delete"],
      ["schedule", "preview"],
      ["scheduler"],
      ["scheduler", "tick"],
    ];
    for (const command of commands) {
      const help = await weir([...command, "--help"], env);
      assert.equal(help.code, 0, command.join(" "));
      assert.match(
        help.stdout,
        new RegExp(`Example:\\n {2}\\$ weir ${command[0]}`),
        command.join(" "),
      );
    }
  });
});
