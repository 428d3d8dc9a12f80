#!/usr/bin/env node
// Fails on an import cycle between source files. Type-only imports count too (types flow one
// way), with one exception named below: the runtime's definition types, which are recursive
// by nature (a task makes steps, a step holds its task or flow, a flow's run() takes run
// options whose ports start child flows) and so refer to each other with `import type` only.
// A cycle through a value import is never allowed, there or anywhere. Tests are left out,
// since a test imports the module it tests and its entry point. Each cycle is printed as a
// chain of files, so the import to turn around is plain to see.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = fileURLToPath(new URL("..", import.meta.url));
const DIRS = ["runtime", "protocol", "client", "cli", "worker", "ui/src", "hosts", "examples"];

/** @param {string} dir @returns {string[]} */
function sources(dir) {
  if (!existsSync(dir)) return [];
  /** @type {string[]} */
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!["node_modules", "test", "dist", "testing"].includes(entry.name))
        out.push(...sources(path));
    } else if (
      /\.tsx?$/.test(entry.name) &&
      !/\.test(-d)?\.tsx?$/.test(entry.name) &&
      !entry.name.endsWith(".d.ts")
    ) {
      out.push(path);
    }
  }
  return out;
}

/** Whether an import or export declaration brings in types only. @param {ts.Node} node */
function typeOnly(node) {
  if (ts.isImportDeclaration(node)) {
    const clause = node.importClause;
    if (clause === undefined) return false;
    if (clause.isTypeOnly) return true;
    return (
      clause.name === undefined &&
      clause.namedBindings !== undefined &&
      ts.isNamedImports(clause.namedBindings) &&
      clause.namedBindings.elements.length > 0 &&
      clause.namedBindings.elements.every((e) => e.isTypeOnly)
    );
  }
  if (ts.isExportDeclaration(node)) {
    if (node.isTypeOnly) return true;
    const clause = node.exportClause;
    return (
      clause !== undefined &&
      ts.isNamedExports(clause) &&
      clause.elements.length > 0 &&
      clause.elements.every((e) => e.isTypeOnly)
    );
  }
  return false;
}

/** Files whose type-only imports may form a cycle among themselves (see the header). */
const DEFINITION_TYPES = new Set(
  ["flow_types.ts", "ports.ts", "run_options.ts", "step.ts", "task_types.ts"].map((f) =>
    join(root, "runtime", f),
  ),
);

const files = DIRS.flatMap((d) => sources(join(root, d)));
const known = new Set(files);
/** @type {Map<string, string[]>} */
const graph = new Map();
/** Value imports only. @type {Map<string, string[]>} */
const valueGraph = new Map();
for (const file of files) {
  const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, false);
  /** @type {string[]} */
  const targets = [];
  /** @type {string[]} */
  const valueTargets = [];
  /** @param {ts.Node} node */
  const visit = (node) => {
    const spec =
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
        ? node.moduleSpecifier.text
        : undefined;
    if (spec?.startsWith(".")) {
      const target = resolve(dirname(file), spec);
      if (known.has(target) && statSync(target).isFile()) {
        targets.push(target);
        if (!typeOnly(node)) valueTargets.push(target);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  graph.set(file, targets);
  valueGraph.set(file, valueTargets);
}

/**
 * Tarjan's strongly connected components of `g`: each component of more than one file holds
 * a cycle.
 * @param {Map<string, string[]>} g
 * @returns {string[][]}
 */
function cyclicComponents(g) {
  let index = 0;
  /** @type {Map<string, number>} */
  const order = new Map();
  /** @type {Map<string, number>} */
  const low = new Map();
  /** @type {string[]} */
  const stack = [];
  const onStack = new Set();
  /** @type {string[][]} */
  const found = [];
  /** @param {string} v */
  const strongConnect = (v) => {
    order.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of g.get(v) ?? []) {
      if (!order.has(w)) {
        strongConnect(w);
        low.set(v, Math.min(Number(low.get(v)), Number(low.get(w))));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(Number(low.get(v)), Number(order.get(w))));
      }
    }
    if (low.get(v) === order.get(v)) {
      /** @type {string[]} */
      const component = [];
      let w;
      do {
        w = /** @type {string} */ (stack.pop());
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component);
    }
  };
  for (const file of g.keys()) if (!order.has(file)) strongConnect(file);
  return found;
}

/**
 * One concrete cycle inside a component of `g`, found by a walk that stays inside it.
 * @param {Map<string, string[]>} g @param {string[]} component
 */
function cycleIn(g, component) {
  const inside = new Set(component);
  const start = /** @type {string} */ (component[0]);
  /** @type {Map<string, string>} */
  const from = new Map();
  const queue = [start];
  while (queue.length > 0) {
    const v = /** @type {string} */ (queue.shift());
    for (const w of g.get(v) ?? []) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(/** @type {string} */ (from.get(path[0] ?? "")));
        return [...path, start];
      }
      if (!from.has(w)) {
        from.set(w, v);
        queue.push(w);
      }
    }
  }
  return component;
}

/** @type {{ g: Map<string, string[]>, component: string[], what: string }[]} */
const problems = [];
for (const component of cyclicComponents(valueGraph)) {
  problems.push({ g: valueGraph, component, what: "a cycle of value imports" });
}
for (const component of cyclicComponents(graph)) {
  if (component.every((f) => DEFINITION_TYPES.has(f))) continue;
  problems.push({ g: graph, component, what: "an import cycle" });
}

if (problems.length > 0) {
  console.error(`check-import-cycles: ${problems.length} cycle(s):`);
  for (const { g, component, what } of problems) {
    const chain = cycleIn(g, component).map((f) => relative(root, f));
    console.error(`  ${what}: ${chain.join(" -> ")}`);
    if (component.length > 2) {
      const names = component.map((f) => relative(root, f)).sort();
      console.error(`    (all ${component.length} files of this component: ${names.join(", ")})`);
    }
  }
  process.exit(1);
}
console.log(
  `check-import-cycles: no import cycle among ${files.length} source files (the runtime's definition types refer to each other by type only)`,
);
