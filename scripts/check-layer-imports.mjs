#!/usr/bin/env node
// Layer guard for protocol/, client/ and cli/ (see DESIGN.md "Layout": ui, cli -> client ->
// protocol -> runtime types; nothing imports upward). For each non-test source file:
// - protocol/ imports only runtime/ and protocol/ files, `@hono/zod-openapi` (its schemas),
//   and cronstrue and rrule (schedule_words.ts: schedules in words, bundled by the UI);
// - client/ imports only client/ and protocol/ files, and from protocol/ only types, or
//   protocol/live_protocol.ts (no imports of its own), so the client carries no zod; no
//   platform modules (node:*, cloudflare:*), so it runs on Node, Deno, browsers and Workers;
// - cli/ imports client/, protocol/ and cli/ files and packages, never worker/ or ui/;
// - hosts/remote/ (a runtime host over the API: runs executed in any process, issue 11) imports
//   only runtime/, protocol/, client/ and its own files and no package at all (no node:*), so
//   it runs on Node, Deno and browsers; the pull worker and scripts import it, not the reverse.
// Imports of files must be relative and name a .ts file. Uses the TypeScript parser.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = fileURLToPath(new URL("..", import.meta.url));

/** @type {Record<string, { dirs: string[], packages: (s: string) => boolean, valueFrom?: (dir: string, target: string) => boolean }>} */
const RULES = {
  protocol: {
    dirs: ["protocol", "runtime"],
    packages: (s) => ["@hono/zod-openapi", "cronstrue", "rrule"].includes(s),
  },
  client: {
    dirs: ["client", "protocol"],
    packages: () => false,
    // Values only from client/ and protocol/live_protocol.ts; everything else type-only.
    valueFrom: (dir, target) =>
      dir === "client" || target === join(root, "protocol", "live_protocol.ts"),
  },
  cli: {
    dirs: ["cli", "client", "protocol", "scripts"],
    packages: (s) => !s.startsWith("cloudflare:"),
  },
  "hosts/remote": {
    dirs: ["hosts/remote", "runtime", "protocol", "client"],
    packages: () => false,
  },
};

/** @param {string} dir @returns {string[]} */
function findSources(dir) {
  /** @type {string[]} */
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules" && entry.name !== "test") out.push(...findSources(path));
    } else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) out.push(path);
  }
  return out;
}

/** @type {string[]} */
const problems = [];

for (const [layer, rule] of Object.entries(RULES)) {
  const layerDir = join(root, layer);
  if (!existsSync(layerDir)) continue;
  for (const file of findSources(layerDir)) {
    const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    /** @param {ts.Node} node @param {string} spec @param {boolean} typeOnly */
    const check = (node, spec, typeOnly) => {
      const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
      const where = `${relative(root, file)}:${line + 1}`;
      if (!spec.startsWith("./") && !spec.startsWith("../")) {
        if (!rule.packages(spec)) problems.push(`${where}: "${spec}" is not allowed in ${layer}/`);
        return;
      }
      if (!spec.endsWith(".ts")) problems.push(`${where}: "${spec}" must name a .ts file`);
      const target = resolve(dirname(file), spec);
      const dir = rule.dirs.find((d) => target.startsWith(join(root, d) + sep));
      if (dir === undefined) {
        problems.push(
          `${where}: "${spec}" reaches outside ${rule.dirs.join("/, ")}/ (an upward import)`,
        );
      } else if (!typeOnly && rule.valueFrom !== undefined && !rule.valueFrom(dir, target)) {
        problems.push(`${where}: "${spec}" must be imported with \`import type\` in ${layer}/`);
      }
    };
    /** @param {ts.Node} node */
    const visit = (node) => {
      if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
        const clause = node.importClause;
        const allTypes =
          clause !== undefined &&
          (clause.isTypeOnly ||
            (clause.name === undefined &&
              clause.namedBindings !== undefined &&
              ts.isNamedImports(clause.namedBindings) &&
              clause.namedBindings.elements.every((e) => e.isTypeOnly)));
        check(node, node.moduleSpecifier.text, allTypes);
      } else if (
        ts.isExportDeclaration(node) &&
        node.moduleSpecifier &&
        ts.isStringLiteral(node.moduleSpecifier)
      ) {
        const clause = node.exportClause;
        const allTypes =
          node.isTypeOnly ||
          (clause !== undefined &&
            ts.isNamedExports(clause) &&
            clause.elements.every((e) => e.isTypeOnly));
        check(node, node.moduleSpecifier.text, allTypes);
      } else if (
        ts.isCallExpression(node) &&
        node.expression.kind === ts.SyntaxKind.ImportKeyword
      ) {
        const [arg] = node.arguments;
        if (arg && ts.isStringLiteralLike(arg)) check(node, arg.text, false);
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
}

if (problems.length > 0) {
  console.error(`check-layer-imports: ${problems.length} problem(s):\n${problems.join("\n")}`);
  process.exit(1);
}
console.log("check-layer-imports: protocol/, client/, cli/ and hosts/remote/ import only downward");
