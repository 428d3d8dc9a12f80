/**
 * A flow's graph drawn before it runs (GET /api/flows/{name}/graph): its tasks, subflows,
 * waits and groups, with data edges, as the runtime's `visualize` draws it.
 *
 * @module
 */

import { z } from "@hono/zod-openapi";

export { toDot, toMermaid } from "../runtime/graph_text.ts";
export type { FlowGraph, FlowGraphEdge, FlowGraphNode } from "../runtime/visualize.ts";

/**
 * A drawn flow graph, as a zod schema.
 *
 * @example
 * ```ts
 * FlowGraphSchema.parse(await res.json());
 * ```
 */
export const FlowGraphSchema = z
  .object({
    flowName: z.string(),
    nodes: z.array(
      z.object({
        id: z.string(),
        kind: z.string(),
        label: z.string(),
        parentId: z.string().nullable(),
        flowName: z.string().optional(),
      }),
    ),
    edges: z.array(
      z.object({ from: z.string(), to: z.string(), kind: z.enum(["data", "contains", "after"]) }),
    ),
    truncated: z.string().nullable(),
  })
  .openapi("FlowGraph");
