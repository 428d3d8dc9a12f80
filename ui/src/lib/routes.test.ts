import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { matchRoute, paths } from "./routes.ts";

describe("matchRoute", () => {
  it("maps paths to pages", () => {
    assert.deepEqual(matchRoute("/"), { page: "dashboard" });
    assert.deepEqual(matchRoute("/dashboard"), { page: "dashboard" });
    assert.deepEqual(matchRoute("/runs"), { page: "runs" });
    assert.deepEqual(matchRoute("/runs/"), { page: "runs" });
    assert.deepEqual(matchRoute("/runs/0b7a2c1e"), { page: "run", id: "0b7a2c1e" });
    assert.deepEqual(matchRoute("/flows"), { page: "flows" });
    assert.deepEqual(matchRoute("/flows/cat-fact"), { page: "flow", name: "cat-fact" });
    assert.deepEqual(matchRoute("/flows/my%20flow"), { page: "flow", name: "my flow" });
  });
  it("says not found for anything else", () => {
    for (const path of ["/nope", "/runs/a/b", "/flows/%E0%A4%A", "/flows/x/runs"]) {
      assert.deepEqual(matchRoute(path), { page: "not-found", path }, path);
    }
  });
  it("builds the paths it matches", () => {
    assert.deepEqual(matchRoute(paths.flow("a/b c")), { page: "flow", name: "a/b c" });
    assert.deepEqual(matchRoute(paths.run("x")), { page: "run", id: "x" });
    assert.equal(paths.flowRuns("cat fact"), "/runs?flow=cat%20fact");
  });
  it("maps the deployments pages", () => {
    assert.deepEqual(matchRoute("/deployments"), { page: "deployments" });
    assert.deepEqual(matchRoute(paths.deployment("d 1")), { page: "deployment", id: "d 1" });
    assert.deepEqual(matchRoute("/deployments/a/b"), {
      page: "not-found",
      path: "/deployments/a/b",
    });
    assert.equal(paths.deploymentRuns("d1"), "/runs?deployment=d1");
  });
  it("maps the concurrency limit pages, names with ':' and '/' in one segment", () => {
    assert.deepEqual(matchRoute("/concurrency-limits"), { page: "concurrency-limits" });
    for (const name of ["db", "deployment:0b7a:customer/42", "a b%"]) {
      assert.deepEqual(matchRoute(paths.concurrencyLimit(name)), {
        page: "concurrency-limit",
        name,
      });
    }
    assert.equal(paths.concurrencyLimit("deployment:x"), "/concurrency-limits/deployment%3Ax");
  });
});
