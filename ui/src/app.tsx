/**
 * The UI's shell: the side navigation, the page for the current path, the token prompt, and a
 * boundary that shows an error instead of a blank page if rendering ever throws.
 *
 * @module
 */

import { Component, type ComponentChildren } from "preact";
import { forgetToken, token } from "./auth.ts";
import { ErrorBox } from "./components/common.tsx";
import { TokenDialog } from "./components/token_dialog.tsx";
import { matchRoute, paths } from "./lib/routes.ts";
import { DashboardPage } from "./pages/dashboard_page.tsx";
import { DeploymentPage } from "./pages/deployment_page.tsx";
import { DeploymentsPage } from "./pages/deployments_page.tsx";
import { FlowPage } from "./pages/flow_page.tsx";
import { FlowsPage } from "./pages/flows_page.tsx";
import { LimitPage } from "./pages/limit_page.tsx";
import { LimitsPage } from "./pages/limits_page.tsx";
import { RunPage } from "./pages/run_page.tsx";
import { RunsPage } from "./pages/runs_page.tsx";
import { place } from "./router.ts";

class Boundary extends Component<
  { children: ComponentChildren; path: string },
  { error: unknown }
> {
  override state: { error: unknown } = { error: undefined };
  static override getDerivedStateFromError(error: unknown) {
    return { error };
  }
  override componentDidUpdate(previous: { path: string }) {
    // Leaving the page that failed clears the error.
    if (previous.path !== this.props.path && this.state.error !== undefined) {
      this.setState({ error: undefined });
    }
  }
  override render() {
    if (this.state.error !== undefined) {
      return <ErrorBox title="This page failed to render" error={this.state.error} />;
    }
    return this.props.children;
  }
}

function Page() {
  const { path, search } = place.value;
  const route = matchRoute(path);
  switch (route.page) {
    case "dashboard":
      return <DashboardPage search={search} />;
    case "runs":
      return <RunsPage search={search} />;
    case "run":
      return <RunPage key={route.id} id={route.id} />;
    case "flows":
      return <FlowsPage />;
    case "flow":
      return <FlowPage key={route.name} name={route.name} />;
    case "deployments":
      return <DeploymentsPage />;
    case "deployment":
      return <DeploymentPage key={route.id} id={route.id} />;
    case "concurrency-limits":
      return <LimitsPage />;
    case "concurrency-limit":
      return <LimitPage key={route.name} name={route.name} />;
    case "not-found":
      return (
        <div class="page">
          <h1>Not found</h1>
          <ErrorBox error={new Error(`There is no page at ${route.path}`)} />
          <p>
            Go to the <a href={paths.runs()}>flow runs</a> or the <a href={paths.flows()}>flows</a>.
          </p>
        </div>
      );
  }
}

function NavLink(props: { href: string; active: boolean; children: ComponentChildren }) {
  return (
    <a
      href={props.href}
      class={props.active ? "nav-link active" : "nav-link"}
      aria-current={props.active ? "page" : undefined}
    >
      {props.children}
    </a>
  );
}

/**
 * The whole UI.
 *
 * @example
 * ```tsx
 * render(<App />, document.getElementById("app"));
 * ```
 */
export function App() {
  const path = place.value.path;
  const page = matchRoute(path).page;
  return (
    <div class="shell">
      <nav class="sidebar" aria-label="Main">
        <a class="brand" href="/">
          <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
            <path
              d="M2 17c3 0 3-3 6-3s3 3 6 3 3-3 6-3 2 1 2 1"
              fill="none"
              stroke="currentColor"
              stroke-width="2.2"
              stroke-linecap="round"
            />
            <path
              d="M2 10c3 0 3-3 6-3s3 3 6 3 3-3 6-3 2 1 2 1"
              fill="none"
              stroke="currentColor"
              stroke-width="2.2"
              stroke-linecap="round"
              opacity=".55"
            />
          </svg>
          Weir
        </a>
        <NavLink href={paths.dashboard()} active={page === "dashboard"}>
          Dashboard
        </NavLink>
        <NavLink href={paths.runs()} active={page === "runs" || page === "run"}>
          Flow runs
        </NavLink>
        <NavLink href={paths.flows()} active={page === "flows" || page === "flow"}>
          Flows
        </NavLink>
        <NavLink
          href={paths.deployments()}
          active={page === "deployments" || page === "deployment"}
        >
          Deployments
        </NavLink>
        <NavLink
          href={paths.concurrencyLimits()}
          active={page === "concurrency-limits" || page === "concurrency-limit"}
        >
          Concurrency
        </NavLink>
        <div class="sidebar-foot">
          <a class="nav-link small" href="/api/openapi.json" target="_blank" rel="noreferrer">
            API (OpenAPI)
          </a>
          {token.value !== null && (
            <button
              type="button"
              class="link small"
              onClick={() => forgetToken()}
              title="Forget the API token kept in this browser"
            >
              Forget token
            </button>
          )}
        </div>
      </nav>
      <main class="content">
        <Boundary path={path}>
          <Page />
        </Boundary>
      </main>
      <TokenDialog />
    </div>
  );
}
