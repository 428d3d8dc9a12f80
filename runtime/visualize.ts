/**
 * Seeing a flow before it runs (Prefect's `flow.visualize()`): the body is driven with every
 * step answered by a placeholder instead of being run, and the steps it yields become a graph
 * of tasks, subflows, waits and groups, with an edge wherever one step's result is passed to
 * another. Nothing runs: no task function is called and no journal is written.
 *
 * A placeholder stands for a result the flow does not have: property reads and calls give
 * more placeholders, it iterates as empty, compares as 0 and prints as "". A body whose
 * control flow depends on a result (a loop until a task returns "done") is cut off after
 * `maxSteps`, and a body that throws on a placeholder ends the graph there; both are named in
 * `truncated`.
 *
 * @example
 * ```ts
 * import { flow, task, visualize, toMermaid } from "weir";
 * const load = task({ name: "load" }, async () => [1, 2]);
 * const sum = task({ name: "sum" }, async (xs: number[]) => xs.length);
 * const etl = flow({ name: "etl" }, async function* () { return yield* sum(yield* load()); });
 * console.log(toMermaid(await visualize(etl)));
 * ```
 *
 * @module
 */

import type { FlowContext } from "./context.ts";
import type { AnyFlow } from "./flow_types.ts";
import { hashString, seededRandom, uuidFrom } from "./random.ts";
import { type Command, isCommand, Step, type StepHandle, type StepSpec } from "./step.ts";

/**
 * A step of the drawn graph. Ids are the step ids a run would give (`"0"`, `"1"`, `"1.0"` for
 * a group's members), prefixed by the subflow's id inside a subflow (`"2/0"`).
 *
 * @example
 * ```ts
 * for (const node of graph.nodes) console.log(node.id, node.kind, node.label);
 * ```
 */
export interface FlowGraphNode {
  readonly id: string;
  /** `task`, `subflow`, `sleep`, `event`, `group`, or another step kind a host adds. */
  readonly kind: string;
  readonly label: string;
  /** The group or subflow this step belongs to; null at the top level. */
  readonly parentId: string | null;
  /** For a subflow: the flow it runs. */
  readonly flowName?: string;
}

/**
 * An edge: `data` (the result of `from` is an argument of `to`), `contains` (a group or
 * subflow and its steps) or `after` (`to` starts once `from` has finished).
 *
 * @example
 * ```ts
 * const inputs = graph.edges.filter((e) => e.kind === "data" && e.to === "1");
 * ```
 */
export interface FlowGraphEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: "data" | "contains" | "after";
}

/**
 * What {@link visualize} draws.
 *
 * @example
 * ```ts
 * const graph: FlowGraph = await visualize(etl);
 * if (graph.truncated) console.warn(graph.truncated);
 * ```
 */
export interface FlowGraph {
  readonly flowName: string;
  readonly nodes: readonly FlowGraphNode[];
  readonly edges: readonly FlowGraphEdge[];
  /** Why the drawing stopped before the body returned; null when it ran to the end. */
  readonly truncated: string | null;
}

/** Options of {@link visualize}. */
export interface VisualizeOptions {
  /** Stop after this many steps (default 500): a loop over a placeholder would not end. */
  readonly maxSteps?: number;
  /** How many levels of subflows to draw inside their parent (default 3; 0 draws none). */
  readonly subflowDepth?: number;
  /** Called with each subflow the drawing meets (a host registers them from here). */
  readonly onSubflow?: (flow: AnyFlow) => void;
}

/**
 * Draws `flow`'s graph without running its tasks. `params` are validated when given; without
 * them the flow's schema defaults are used when they validate, and a placeholder otherwise.
 *
 * @example
 * ```ts
 * const graph = await visualize(irisMainFlow);
 * console.log(graph.nodes.map((n) => n.label));
 * ```
 */
export async function visualize(
  flow: AnyFlow,
  params?: unknown,
  options: VisualizeOptions = {},
): Promise<FlowGraph> {
  let input: unknown;
  if (params !== undefined) {
    input = await flow.validate(params);
  } else {
    try {
      input = await flow.validate({});
    } catch {
      input = placeholder(undefined);
    }
  }
  const drawing = new Drawing(options.maxSteps ?? 500, options.onSubflow);
  try {
    await drawing.drawBody(flow, input, "", null, options.subflowDepth ?? 3);
  } catch (error) {
    // The step limit ends the whole drawing, subflows included; `truncated` says so.
    if (!(error instanceof StopDrawing)) throw error;
  }
  return {
    flowName: flow.flowName,
    nodes: drawing.nodes,
    edges: drawing.edges,
    truncated: drawing.truncated,
  };
}

/** The producer of each placeholder: the id of the step whose result it stands for. */
const producers = new WeakMap<object, string | undefined>();

function placeholder(producer: string | undefined): unknown {
  // An arrow function target: callable, and with no non-configurable own keys, so the proxy
  // may report none (Object.keys gives []).
  const target = () => {};
  const proxy: object = new Proxy(target, {
    get(_t, key) {
      if (key === Symbol.toPrimitive) return (hint: string) => (hint === "number" ? 0 : "");
      if (key === Symbol.iterator) return function* () {};
      if (key === "then" || key === Symbol.asyncIterator) return undefined;
      if (key === "toJSON") return () => null;
      if (key === "length" || key === "size") return 0;
      if (key === "toString" || key === "valueOf") return () => "";
      return placeholder(producer);
    },
    apply: () => placeholder(producer),
    construct: () => placeholder(producer) as object,
    has: () => false,
    ownKeys: () => [],
    getOwnPropertyDescriptor: () => undefined,
    set: () => true,
  });
  producers.set(proxy, producer);
  return proxy;
}

/** The steps whose placeholders appear in `value` (arrays and objects, a few levels down). */
function inputsOf(value: unknown, found = new Set<string>(), depth = 0): Set<string> {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return found;
  if (producers.has(value as object)) {
    const producer = producers.get(value as object);
    if (producer !== undefined) found.add(producer);
    return found;
  }
  if (depth >= 3 || typeof value === "function") return found;
  const children = Array.isArray(value) ? value : Object.values(value as Record<string, unknown>);
  for (const child of children.slice(0, 100)) inputsOf(child, found, depth + 1);
  return found;
}

class StopDrawing extends Error {}

class Drawing {
  readonly nodes: FlowGraphNode[] = [];
  readonly edges: FlowGraphEdge[] = [];
  truncated: string | null = null;
  #steps = 0;
  readonly #handles = new WeakMap<StepHandle<unknown>, string>();

  constructor(
    readonly maxSteps: number,
    readonly onSubflow: ((flow: AnyFlow) => void) | undefined,
  ) {}

  async drawBody(
    flow: AnyFlow,
    params: unknown,
    prefix: string,
    parentId: string | null,
    depth: number,
  ): Promise<void> {
    const random = seededRandom(hashString(`visualize:${flow.flowName}`));
    const now = Date.now();
    const quiet = () => {};
    const ctx: FlowContext = {
      runId: "visualize",
      runName: "visualize",
      flowName: flow.flowName,
      parentRunId: undefined,
      tags: [],
      attempt: 1,
      logger: { debug: quiet, info: quiet, warning: quiet, error: quiet, critical: quiet },
      isReplaying: false,
      now: () => new Date(now),
      random,
      uuid: () => uuidFrom(random),
    };
    let generator: AsyncGenerator<Command, unknown, unknown>;
    try {
      generator = flow.body(params, ctx) as AsyncGenerator<Command, unknown, unknown>;
      if (typeof generator?.next !== "function") {
        throw new TypeError(`flow '${flow.flowName}': its body is not an async generator`);
      }
    } catch (error) {
      this.#stop(flow, error);
      return;
    }
    let seq = 0;
    let previous: string | undefined;
    let reply: unknown;
    try {
      for (;;) {
        const next = await generator.next(reply);
        if (next.done) return;
        const command = next.value;
        if (!isCommand(command)) {
          throw new TypeError(`flow '${flow.flowName}' yielded something that is not a step`);
        }
        if (command.kind === "await") {
          reply = placeholder(this.#handles.get(command.handle));
          continue;
        }
        const id = `${prefix}${seq++}`;
        reply = await this.#drawStep(command.step.spec, id, parentId, depth, prefix);
        if (command.kind === "submit") {
          this.#handles.set(command.handle, id);
          reply = command.handle;
          continue;
        }
        if (previous !== undefined && !this.#hasEdge(previous, id)) {
          this.edges.push({ from: previous, to: id, kind: "after" });
        }
        previous = id;
      }
    } catch (error) {
      if (error instanceof StopDrawing) throw error;
      this.#stop(flow, error);
    } finally {
      await generator.return?.(undefined)?.catch?.(() => {});
    }
  }

  #stop(flow: AnyFlow, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.truncated ??= `flow '${flow.flowName}' stopped on a placeholder result: ${message}`;
  }

  #hasEdge(from: string, to: string): boolean {
    return this.edges.some((e) => e.from === from && e.to === to);
  }

  async #drawStep(
    spec: StepSpec,
    id: string,
    parentId: string | null,
    depth: number,
    prefix: string,
  ): Promise<unknown> {
    if (++this.#steps > this.maxSteps) {
      this.truncated = `stopped after ${this.maxSteps} steps: the body probably loops on a task's result, which a drawing does not have`;
      throw new StopDrawing(this.truncated);
    }
    const add = (node: Omit<FlowGraphNode, "id" | "parentId">) => {
      this.nodes.push({ id, parentId, ...node });
      if (parentId !== null) this.edges.push({ from: parentId, to: id, kind: "contains" });
    };
    const dataFrom = (value: unknown) => {
      for (const from of inputsOf(value)) this.edges.push({ from, to: id, kind: "data" });
    };
    switch (spec.type) {
      case "task":
        add({ kind: "task", label: spec.task.taskName });
        dataFrom(spec.args);
        return placeholder(id);
      case "subflow": {
        add({
          kind: "subflow",
          label: spec.name ?? spec.flow.flowName,
          flowName: spec.flow.flowName,
        });
        dataFrom(spec.params);
        this.onSubflow?.(spec.flow);
        if (depth > 0) await this.drawBody(spec.flow, spec.params, `${id}/`, id, depth - 1);
        return placeholder(id);
      }
      case "sleep":
        add({
          kind: "sleep",
          label: spec.ms !== undefined ? `sleep ${spec.ms} ms` : "sleep until",
        });
        return undefined;
      case "event":
        add({ kind: "event", label: `wait for '${spec.name}'` });
        return placeholder(id);
      case "group": {
        add({ kind: "group", label: spec.mode });
        const results: unknown[] = [];
        let i = 0;
        for (const child of spec.children) {
          if (child instanceof Step) {
            results.push(await this.#drawStep(child.spec, `${id}.${i++}`, id, depth, prefix));
          } else {
            const handled = this.#handles.get(child);
            if (handled !== undefined) this.edges.push({ from: handled, to: id, kind: "data" });
            results.push(placeholder(handled));
          }
        }
        if (spec.mode === "race") return placeholder(id);
        if (spec.mode === "allSettled") {
          return results.map((value) => ({ status: "fulfilled", value }));
        }
        return results;
      }
      case "slot":
        add({
          kind: "slot",
          label: `${spec.action === "rate" ? "rate limit" : spec.action === "release" ? "release" : "concurrency"} ${spec.limits.join(", ")}`,
        });
        // The acquire's result is the lease its release names.
        return spec.action === "acquire" ? `lease-${id}` : undefined;
      case "deployment":
        add({ kind: "deployment", label: spec.wait ? spec.ref : `start ${spec.ref}` });
        dataFrom(spec.params);
        return spec.wait ? placeholder(id) : { runId: placeholder(id) };
      default: {
        // A step kind this drawing does not know (a host's own): shown by its type and name.
        const other = spec as { type: string; name?: unknown; ref?: unknown };
        const name =
          typeof other.ref === "string"
            ? other.ref
            : typeof other.name === "string"
              ? other.name
              : "";
        add({ kind: other.type, label: name === "" ? other.type : `${other.type} ${name}` });
        return placeholder(id);
      }
    }
  }
}
