/**
 * Running a deployment now (POST /api/deployments/{id}/runs): **Quick run** with its default
 * parameters, and **Custom run**, the flow's parameter form prefilled with the deployment's
 * defaults, whose 422 shows next to the field it names (`parameters.<field>`). Both go to the
 * new run's page.
 *
 * @module
 */

import { useState } from "preact/hooks";
import { api, errorMessage } from "../api/client.ts";
import type { Deployment } from "../api/types.ts";
import { ErrorBox, Loading } from "../components/common.tsx";
import { ParameterForm } from "../components/param_form.tsx";
import { useAsync } from "../components/use_async.ts";
import { paths } from "../lib/routes.ts";
import { navigate } from "../router.ts";

/**
 * The Quick run button, with the API's message if it refuses (a default the flow's schema no
 * longer accepts, say).
 *
 * @example
 * ```tsx
 * <QuickRun deployment={d} />
 * ```
 */
export function QuickRun(props: { deployment: Deployment }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  async function run() {
    setBusy(true);
    setError(undefined);
    try {
      const created = await api.createDeploymentRun(props.deployment.id, {});
      navigate(paths.run(created.id));
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  }
  return (
    <>
      <button
        type="button"
        class="button primary"
        disabled={busy}
        onClick={run}
        title="Run now with the deployment's default parameters"
      >
        {busy ? "Starting…" : "Quick run"}
      </button>
      {error !== undefined && (
        <span class="error-text" role="alert" data-testid="quick-run-error">
          {errorMessage(error)}
        </span>
      )}
    </>
  );
}

/**
 * The Custom run form (the flow's schema comes from GET /api/flows/{name}).
 *
 * @example
 * ```tsx
 * {open && <CustomRun deployment={d} />}
 * ```
 */
export function CustomRun(props: { deployment: Deployment }) {
  const d = props.deployment;
  const flow = useAsync(() => api.flow(d.flowName), [d.flowName]);
  if (flow.error !== undefined) return <ErrorBox error={flow.error} />;
  if (flow.data === undefined) return <Loading what="the flow's parameters" />;
  return (
    <>
      <p class="lead">
        Starts a run of {d.flowName} now. The form starts from this deployment's defaults; what you
        leave empty takes them too. The deployment's tags are added to the ones you give.
      </p>
      <ParameterForm
        flow={flow.data}
        defaults={d.parameters}
        create={(body) => api.createDeploymentRun(d.id, body)}
        onCreated={(run) => navigate(paths.run(run.id))}
      />
    </>
  );
}
