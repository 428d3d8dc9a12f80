/**
 * The flows a Worker knows, by name. Users register their own; the default app registers
 * examples/. Nothing in worker/ knows any flow by name.
 *
 * The subflows a registered flow calls are registered too: each flow's body is drawn once
 * (the runtime's `visualize`, which runs no task) when the registry is made, and every subflow
 * the drawing meets is added under its name. A subflow the drawing cannot reach (behind a
 * branch on a task's result) is added when a run first calls it (`ensure`).
 *
 * @module
 */

import { type AnyFlow, visualize } from "../runtime/host.ts";

/**
 * Flows by name.
 *
 * @example
 * ```ts
 * const registry = new FlowRegistry([catFact, irisMainFlow]);
 * await registry.ready();
 * registry.get("data-engineer"); // found: main-flow calls it
 * ```
 */
export class FlowRegistry {
  readonly #flows = new Map<string, AnyFlow>();
  readonly #declared = new Set<string>();
  readonly #ready: Promise<void>;

  constructor(flows: Iterable<AnyFlow> = []) {
    for (const flow of flows) {
      this.add(flow);
      this.#declared.add(flow.flowName);
    }
    // Drawing uses promises only (no timers or I/O), so it has finished before the isolate
    // handles its first event; `ready()` is for callers that want to be sure.
    this.#ready = this.#discover([...this.#flows.values()]);
  }

  /** Registers a flow; a second, different flow under the same name is refused. */
  add(flow: AnyFlow): void {
    const existing = this.#flows.get(flow.flowName);
    if (existing !== undefined && existing !== flow) {
      throw new Error(`Cannot register two different flows named '${flow.flowName}'`);
    }
    this.#flows.set(flow.flowName, flow);
  }

  /**
   * Registers a subflow a run calls if no flow has its name yet (a flow made with
   * `flow.with(...)` keeps the registered flow of its name).
   */
  ensure(flow: AnyFlow): void {
    if (!this.#flows.has(flow.flowName)) this.#flows.set(flow.flowName, flow);
  }

  get(name: string): AnyFlow | undefined {
    return this.#flows.get(name);
  }

  /** Resolves once the subflows of the registered flows have been found. */
  ready(): Promise<void> {
    return this.#ready;
  }

  /** Every registered flow, sorted by name, the subflows found included. */
  list(): AnyFlow[] {
    return [...this.#flows.values()].sort((a, b) => a.flowName.localeCompare(b.flowName));
  }

  /** Whether `name` was passed to the registry, rather than found as a subflow. */
  declared(name: string): boolean {
    return this.#declared.has(name);
  }

  async #discover(queue: AnyFlow[]): Promise<void> {
    const seen = new Set<AnyFlow>(queue);
    while (queue.length > 0) {
      const flow = queue.shift() as AnyFlow;
      try {
        await visualize(flow, undefined, {
          subflowDepth: 0,
          maxSteps: 200,
          onSubflow: (subflow) => {
            this.ensure(subflow);
            if (!seen.has(subflow)) {
              seen.add(subflow);
              queue.push(subflow);
            }
          },
        });
      } catch {
        // A body that cannot be drawn keeps its subflows for `ensure` to add when they run.
      }
    }
  }
}
