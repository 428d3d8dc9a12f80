/**
 * Flows: every flow the Worker can run, with its parameters, a link to run it and to its runs.
 *
 * @module
 */

import { api } from "../api/client.ts";
import type { Flow } from "../api/types.ts";
import { ErrorBox, Loading, Tags } from "../components/common.tsx";
import { useAsync } from "../components/use_async.ts";
import { paths } from "../lib/routes.ts";
import { fieldsOf } from "../lib/schema_form.ts";

function parameterSummary(flow: Flow): string {
  const fields = fieldsOf(flow.parametersSchema);
  if (fields === null) return flow.parametersSchema === null ? "any (no schema)" : "JSON";
  if (fields.length === 0) return "none";
  return fields.map((f) => f.name).join(", ");
}

/**
 * The flows page.
 *
 * @example
 * ```tsx
 * <FlowsPage />
 * ```
 */
export function FlowsPage() {
  const flows = useAsync(() => api.flows(), []);
  return (
    <div class="page">
      <header class="page-header">
        <h1>Flows</h1>
        {flows.data !== undefined && <span class="count">{flows.data.flows.length} flows</span>}
      </header>
      {flows.error !== undefined && <ErrorBox error={flows.error} />}
      {flows.data === undefined && flows.error === undefined && <Loading what="flows" />}
      {flows.data !== undefined && flows.data.flows.length === 0 && (
        <p class="empty">
          This Worker registers no flows. Pass them to <code>createWeirWorker({"{ flows }"})</code>.
        </p>
      )}
      {flows.data !== undefined && flows.data.flows.length > 0 && (
        <div class="table-wrap">
          <table class="table stack flows-table">
            <thead>
              <tr>
                <th>Flow</th>
                <th>Description</th>
                <th>Parameters</th>
                <th>Version</th>
                <th>Retries</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {flows.data.flows.map((flow) => (
                <tr key={flow.name} data-flow={flow.name}>
                  <td data-col="main">
                    <a class="strong" href={paths.flow(flow.name)}>
                      {flow.name}
                    </a>
                    <Tags tags={flow.tags} />
                  </td>
                  <td class="muted" data-col="wide">
                    {flow.description ?? "—"}
                  </td>
                  <td class="mono small" data-label="Parameters" data-col="wide">
                    {parameterSummary(flow)}
                  </td>
                  <td data-label="Version">{flow.version ?? <span class="muted">—</span>}</td>
                  <td data-label="Retries">{flow.retries}</td>
                  <td class="row-actions" data-col="actions">
                    <a class="button small" href={paths.flowRuns(flow.name)}>
                      Runs
                    </a>
                    <a class="button small primary" href={paths.flow(flow.name)}>
                      Run…
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
