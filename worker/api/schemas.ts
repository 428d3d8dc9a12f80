/**
 * The API's request and response schemas live in protocol/ (the wire format, shared with the
 * UI, the client and the CLI); this module re-exports them for the routes and keeps the
 * Hono-specific glue: {@link errors}, the error responses of a route definition.
 *
 * @module
 */

import { ErrorSchema } from "../../protocol/error.ts";

export { ErrorSchema } from "../../protocol/error.ts";
export { FlowSchema } from "../../protocol/flow.ts";
export { LogsQuery } from "../../protocol/log.ts";
export {
  CancelBody,
  CreateRunBody,
  EventBody,
  ListRunsQuery,
  RunIdParam,
  toEpochMs,
} from "../../protocol/requests.ts";
export { RunSchema, RunSummarySchema } from "../../protocol/run.ts";
export { StateSchema } from "../../protocol/state.ts";

/** Error responses, for route definitions. */
export function errors(...statuses: (400 | 401 | 404 | 409 | 413 | 422)[]) {
  const description: Record<number, string> = {
    400: "Malformed request",
    401: "Missing or wrong bearer token",
    404: "Unknown flow or run",
    409: "Conflicts with the run's state",
    413: "Body too large",
    422: "Parameters do not match the flow's schema, or a value is outside the API's limits (depth, size, characters, time range)",
  };
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: description[status] ?? "Error",
        content: { "application/json": { schema: ErrorSchema } },
      },
    ]),
  );
}
