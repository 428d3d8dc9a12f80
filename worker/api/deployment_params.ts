/**
 * What the deployment routes share: the id in their paths, the wire shape of a deployment,
 * and the concurrency fields of a PATCH.
 *
 * @module
 */

import { z } from "@hono/zod-openapi";
import {
  type Deployment,
  DeploymentSchema,
  type UpdateDeploymentBody,
} from "../../protocol/deployment.ts";
import type { DeploymentFields } from "../deployments/store.ts";

/**
 * A deployment id in a path.
 *
 * @example
 * ```ts
 * createRoute({ method: "get", path: "/api/deployments/{id}", request: { params: DeploymentIdParam }, ... });
 * ```
 */
export const DeploymentIdParam = z.object({
  id: z.uuid().openapi({
    param: { name: "id", in: "path" },
    example: "6f1c2d3e-4b5a-4978-8a6b-5c4d3e2f1a0b",
  }),
});

/**
 * A deployment as a route answers it (readonly arrays are plain JSON arrays).
 *
 * @example
 * ```ts
 * return c.json(wire(deployment), 200);
 * ```
 */
export function wire(deployment: Deployment): z.infer<typeof DeploymentSchema> {
  return deployment as unknown as z.infer<typeof DeploymentSchema>;
}

/**
 * A route's 200/201 response holding a deployment.
 *
 * @example
 * ```ts
 * responses: { 200: deploymentResponse("The deployment") }
 * ```
 */
export function deploymentResponse(description: string) {
  return { description, content: { "application/json": { schema: DeploymentSchema } } };
}

/**
 * The concurrency fields a PATCH body changes (those it gives), to spread over the stored ones.
 *
 * @example
 * ```ts
 * reviseDeployment(env, registry, stored, (f) => ({ ...f, ...limitPatch(patch) }), now);
 * ```
 */
export function limitPatch(
  patch: z.infer<typeof UpdateDeploymentBody>,
): Partial<Pick<DeploymentFields, "concurrencyLimit" | "collisionStrategy" | "concurrencyKey">> {
  return {
    ...(patch.concurrencyLimit === undefined ? {} : { concurrencyLimit: patch.concurrencyLimit }),
    ...(patch.collisionStrategy === undefined
      ? {}
      : { collisionStrategy: patch.collisionStrategy }),
    ...(patch.concurrencyKey === undefined ? {} : { concurrencyKey: patch.concurrencyKey }),
  };
}
