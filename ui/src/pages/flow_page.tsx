/**
 * A flow: what it is, the form to run it (from its parameter schema), and its latest runs.
 *
 * @module
 */

import { api } from "../api/client.ts";
import { Card, ErrorBox, Loading, Tags } from "../components/common.tsx";
import { ParameterForm } from "../components/param_form.tsx";
import { RunsTable } from "../components/runs_table.tsx";
import { useAsync } from "../components/use_async.ts";
import { FlowGraphPreview } from "../flow/flow_graph.tsx";
import { paths } from "../lib/routes.ts";
import { navigate } from "../router.ts";

/**
 * The flow page.
 *
 * @example
 * ```tsx
 * <FlowPage name="cat-fact" />
 * ```
 */
export function FlowPage(props: { name: string }) {
  const flow = useAsync(() => api.flow(props.name), [props.name]);
  const runs = useAsync(
    () => api.runs(new URLSearchParams({ flow: props.name, limit: "10" }).toString()),
    [props.name],
  );
  return (
    <div class="page">
      <nav class="breadcrumbs" aria-label="Breadcrumbs">
        <a href={paths.flows()}>Flows</a> / <span>{props.name}</span>
      </nav>
      <header class="page-header">
        <h1>{props.name}</h1>
        {flow.data?.version !== null && flow.data?.version !== undefined && (
          <span class="pill">version {flow.data.version}</span>
        )}
        {flow.data !== undefined && <Tags tags={flow.data.tags} />}
      </header>
      {flow.error !== undefined && <ErrorBox error={flow.error} />}
      {flow.data === undefined && flow.error === undefined && <Loading what="the flow" />}
      {flow.data !== undefined && (
        <div class="columns">
          <Card title="Run this flow" class="grow">
            {flow.data.description !== null && <p class="lead">{flow.data.description}</p>}
            <ParameterForm flow={flow.data} onCreated={(run) => navigate(paths.run(run.id))} />
          </Card>
          <Card title="Details" class="side">
            <dl class="facts">
              <dt>Retries</dt>
              <dd>{flow.data.retries}</dd>
              <dt>Version</dt>
              <dd>{flow.data.version ?? "—"}</dd>
              <dt>Parameter schema</dt>
              <dd>{flow.data.parametersSchema === null ? "none" : "JSON Schema"}</dd>
            </dl>
            {flow.data.parametersSchema !== null && (
              <details>
                <summary>Show the schema</summary>
                <pre class="json">{JSON.stringify(flow.data.parametersSchema, null, 2)}</pre>
              </details>
            )}
          </Card>
        </div>
      )}
      {flow.data !== undefined && (
        <Card title="Graph">
          <p class="muted small">
            The steps a run takes with the default parameters, drawn without running them.
          </p>
          <FlowGraphPreview name={props.name} />
        </Card>
      )}
      <Card
        title="Latest runs"
        actions={
          <a class="button small" href={paths.flowRuns(props.name)}>
            All runs of {props.name}
          </a>
        }
      >
        {runs.error !== undefined && <ErrorBox error={runs.error} />}
        {runs.data !== undefined && runs.data.runs.length === 0 && (
          <p class="empty">No runs of this flow yet.</p>
        )}
        {runs.data !== undefined && runs.data.runs.length > 0 && (
          <RunsTable runs={runs.data.runs} showFlow={false} />
        )}
      </Card>
    </div>
  );
}
