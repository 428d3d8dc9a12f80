#!/usr/bin/env node
// Portability guard for runtime/: every import in a non-test runtime file must be a relative
// path ("./" or "../") to a ".ts" file inside runtime/. The one exception is a type-only
// import of "@standard-schema/spec", which is erased at compile time. Triple-slash
// `reference types`/`reference lib` directives are refused too, since they would pull in a
// platform's globals. Uses the TypeScript parser, so comments and strings cannot fool it.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = fileURLToPath(new URL("..", import.meta.url));
const runtimeDir = join(root, "runtime");
const TYPE_ONLY_ALLOWED = new Set(["@standard-schema/spec"]);

/** @param {string} dir @returns {string[]} */
function findSources(dir) {
  /** @type {string[]} */
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules") out.push(...findSources(path));
    } else if (
      entry.isFile() &&
      /\.(ts|mts|cts|tsx)$/.test(entry.name) &&
      !/\.test\.(ts|mts|cts|tsx)$/.test(entry.name)
    ) {
      out.push(path);
    }
  }
  return out;
}

/** @type {string[]} */
const problems = [];

/**
 * @param {string} file
 * @param {ts.SourceFile} sf
 * @param {ts.Node} node
 * @param {string} specifier
 * @param {boolean} typeOnly
 */
function checkSpecifier(file, sf, node, specifier, typeOnly) {
  const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
  const where = `${relative(root, file)}:${line + 1}`;
  if (specifier.startsWith("./") || specifier.startsWith("../")) {
    if (!specifier.endsWith(".ts")) {
      problems.push(`${where}: "${specifier}" must name a .ts file (add the .ts extension)`);
      return;
    }
    const target = resolve(dirname(file), specifier);
    if (target !== runtimeDir && !target.startsWith(runtimeDir + sep)) {
      problems.push(`${where}: "${specifier}" reaches outside runtime/`);
    }
    return;
  }
  if (typeOnly && TYPE_ONLY_ALLOWED.has(specifier)) return;
  if (TYPE_ONLY_ALLOWED.has(specifier)) {
    problems.push(`${where}: "${specifier}" may only be imported with \`import type\``);
    return;
  }
  problems.push(
    `${where}: "${specifier}" is not allowed in runtime/ (only relative .ts imports; ` +
      "platform code such as node:*, cloudflare:*, npm: or jsr: belongs outside runtime/)",
  );
}

/** @param {string} file */
function checkFile(file) {
  const text = readFileSync(file, "utf8");
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);

  for (const ref of sf.typeReferenceDirectives) {
    problems.push(
      `${relative(root, file)}: /// <reference types="${ref.fileName}" /> is not allowed`,
    );
  }
  for (const ref of sf.libReferenceDirectives) {
    problems.push(
      `${relative(root, file)}: /// <reference lib="${ref.fileName}" /> is not allowed`,
    );
  }
  for (const ref of sf.referencedFiles) {
    problems.push(
      `${relative(root, file)}: /// <reference path="${ref.fileName}" /> is not allowed`,
    );
  }

  /** @param {ts.Node} node */
  function visit(node) {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      checkSpecifier(file, sf, node, node.moduleSpecifier.text, Boolean(clause?.isTypeOnly));
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      checkSpecifier(file, sf, node, node.moduleSpecifier.text, node.isTypeOnly);
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      checkSpecifier(file, sf, node, node.moduleReference.expression.text, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg) && ts.isStringLiteral(arg.literal)) {
        checkSpecifier(file, sf, node, arg.literal.text, true);
      }
    } else if (ts.isCallExpression(node)) {
      const isDynamicImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === "require";
      if (isDynamicImport || isRequire) {
        const [arg] = node.arguments;
        if (arg && ts.isStringLiteralLike(arg)) {
          checkSpecifier(file, sf, node, arg.text, false);
        } else {
          const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
          problems.push(
            `${relative(root, file)}:${line + 1}: ${isRequire ? "require" : "import"}() ` +
              "with a computed specifier is not allowed in runtime/",
          );
        }
      }
    }
    ts.forEachChild(node, visit);
  }
  visit(sf);
}

if (!existsSync(runtimeDir)) {
  console.log("check-runtime-imports: no runtime/ folder, nothing to check");
  process.exit(0);
}
const files = findSources(runtimeDir).sort();
for (const file of files) checkFile(file);

if (problems.length > 0) {
  console.error("runtime/ must stay portable (no platform or package imports):");
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log(`check-runtime-imports: ${files.length} runtime file(s), all imports portable`);
