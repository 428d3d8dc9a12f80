/**
 * The flows a Worker knows, by name. Users register their own; the default app registers
 * examples/. Nothing in worker/ knows any flow by name.
 *
 * @module
 */

import type { AnyFlow } from "../runtime/mod.ts";

/**
 * Flows by name.
 *
 * @example
 * ```ts
 * const registry = new FlowRegistry([catFact, irisMainFlow]);
 * registry.get("cat-fact");
 * ```
 */
export class FlowRegistry {
  readonly #flows = new Map<string, AnyFlow>();

  constructor(flows: Iterable<AnyFlow> = []) {
    for (const flow of flows) this.add(flow);
  }

  /** Registers a flow, and the flows it calls are found when their runs are created. */
  add(flow: AnyFlow): void {
    const existing = this.#flows.get(flow.flowName);
    if (existing !== undefined && existing !== flow) {
      throw new Error(`Cannot register two different flows named '${flow.flowName}'`);
    }
    this.#flows.set(flow.flowName, flow);
  }

  get(name: string): AnyFlow | undefined {
    return this.#flows.get(name);
  }

  /** Every registered flow, sorted by name. */
  list(): AnyFlow[] {
    return [...this.#flows.values()].sort((a, b) => a.flowName.localeCompare(b.flowName));
  }
}
