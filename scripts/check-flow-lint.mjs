#!/usr/bin/env node
// Proves the flow-determinism lint works: lints lint/fixtures/nondeterministic_flow.ts with the
// project's Biome config and fails unless every line marked `// expect: flow-determinism` is
// reported by the plugin and no unmarked line is.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const fixture = "lint/fixtures/nondeterministic_flow.ts";
const lines = readFileSync(`${root}/${fixture}`, "utf8").split("\n");
const expected = new Set(
  lines.flatMap((line, i) => (line.includes("// expect: flow-determinism") ? [i + 1] : [])),
);
// The project config ignores lint/fixtures (they fail on purpose), so lint a copy elsewhere
// with a config that holds only the plugin.
const dir = mkdtempSync(join(tmpdir(), "weir-lint-"));
copyFileSync(join(root, fixture), join(dir, "fixture.ts"));
writeFileSync(
  join(dir, "biome.json"),
  JSON.stringify({ plugins: [join(root, "lint/flow-determinism.grit")] }),
);
const biome = spawnSync(
  join(root, "node_modules/.bin/biome"),
  ["lint", "--reporter=json", "--max-diagnostics=none", "fixture.ts"],
  { cwd: dir, encoding: "utf8" },
);
rmSync(dir, { recursive: true, force: true });
const report = biome.stdout.slice(biome.stdout.indexOf("{"));
let diagnostics;
try {
  diagnostics = JSON.parse(report).diagnostics;
} catch {
  console.error(
    "check-flow-lint: could not read Biome's JSON report:\n",
    biome.stdout,
    biome.stderr,
  );
  process.exit(1);
}
const reported = new Set(
  diagnostics.filter((d) => d.category === "plugin").map((d) => d.location.start.line),
);
const missing = [...expected].filter((l) => !reported.has(l));
const extra = [...reported].filter((l) => !expected.has(l));
if (missing.length > 0 || extra.length > 0) {
  console.error(
    `check-flow-lint: ${fixture}: lines not reported: [${missing}]; lines reported but not marked: [${extra}]`,
  );
  process.exit(1);
}
console.log(
  `check-flow-lint: the flow-determinism plugin reports all ${expected.size} marked lines`,
);
