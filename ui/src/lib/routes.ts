/**
 * The UI's pages and their paths. The Worker serves index.html for any path that is not an
 * asset or under /api (Workers Static Assets' single-page-application mode), so these are
 * real paths that can be bookmarked and reloaded. Pure, unit-tested in routes.test.ts.
 *
 * @module
 */

/** A page and what its path names. */
export type Route =
  | { readonly page: "dashboard" }
  | { readonly page: "runs" }
  | { readonly page: "run"; readonly id: string }
  | { readonly page: "flows" }
  | { readonly page: "flow"; readonly name: string }
  | { readonly page: "deployments" }
  | { readonly page: "deployment"; readonly id: string }
  | { readonly page: "concurrency-limits" }
  | { readonly page: "concurrency-limit"; readonly name: string }
  | { readonly page: "not-found"; readonly path: string };

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * The page for a path.
 *
 * @example
 * ```ts
 * matchRoute("/flows/cat-fact"); // { page: "flow", name: "cat-fact" }
 * ```
 */
export function matchRoute(path: string): Route {
  const parts = path.split("/").filter((p) => p !== "");
  const [head, arg, ...rest] = parts;
  if (rest.length === 0) {
    // The dashboard is the home page, as in Prefect's UI.
    if (head === undefined || (head === "dashboard" && arg === undefined)) {
      return { page: "dashboard" };
    }
    if (head === "runs" && arg === undefined) return { page: "runs" };
    if (head === "flows" && arg === undefined) return { page: "flows" };
    if (head === "deployments" && arg === undefined) return { page: "deployments" };
    if (head === "concurrency-limits" && arg === undefined) return { page: "concurrency-limits" };
    const value = arg === undefined ? undefined : decode(arg);
    if (value !== undefined && value !== "") {
      if (head === "runs") return { page: "run", id: value };
      if (head === "flows") return { page: "flow", name: value };
      if (head === "deployments") return { page: "deployment", id: value };
      // A limit's name may hold ':' and '/' (`deployment:<id>:<key>`): one encoded segment.
      if (head === "concurrency-limits") return { page: "concurrency-limit", name: value };
    }
  }
  return { page: "not-found", path };
}

/** Paths to pages, so links are built in one place. */
export const paths = {
  dashboard: (search = "") => `/dashboard${search}`,
  runs: (search = "") => `/runs${search}`,
  run: (id: string) => `/runs/${encodeURIComponent(id)}`,
  flows: () => "/flows",
  flow: (name: string) => `/flows/${encodeURIComponent(name)}`,
  flowRuns: (name: string) => `/runs?flow=${encodeURIComponent(name)}`,
  deployments: () => "/deployments",
  deployment: (id: string) => `/deployments/${encodeURIComponent(id)}`,
  deploymentRuns: (id: string) => `/runs?deployment=${encodeURIComponent(id)}`,
  concurrencyLimits: () => "/concurrency-limits",
  concurrencyLimit: (name: string) => `/concurrency-limits/${encodeURIComponent(name)}`,
};
