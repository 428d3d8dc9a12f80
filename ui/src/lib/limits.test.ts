import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  decayText,
  deploymentOfLimit,
  flowOfLimit,
  fullness,
  isLimitOfDeployment,
  limitFieldOf,
  numberOf,
  slotsText,
} from "./limits.ts";

describe("deploymentOfLimit", () => {
  it("reads a deployment's limit and its keyed limits", () => {
    assert.deepEqual(deploymentOfLimit("deployment:d1"), { deploymentId: "d1", key: null });
    assert.deepEqual(deploymentOfLimit("deployment:d1:acme"), { deploymentId: "d1", key: "acme" });
    assert.deepEqual(deploymentOfLimit("deployment:d1:a:b"), { deploymentId: "d1", key: "a:b" });
    assert.equal(isLimitOfDeployment("deployment:d1:acme", "d1"), true);
    assert.equal(isLimitOfDeployment("deployment:d10", "d1"), false);
  });
  it("says undefined for other limits", () => {
    for (const name of ["db", "flow:etl", "deployment:", "deployments:x", "x:deployment:y"]) {
      assert.equal(deploymentOfLimit(name), undefined, name);
    }
  });
});

describe("flowOfLimit", () => {
  it("reads a flow's limit and its keyed limits", () => {
    assert.deepEqual(flowOfLimit("flow:etl"), { flowName: "etl", key: null });
    assert.deepEqual(flowOfLimit("flow:sync:acme:1"), { flowName: "sync", key: "acme:1" });
    assert.equal(flowOfLimit("deployment:d1"), undefined);
    assert.equal(flowOfLimit("flow:"), undefined);
  });
});

describe("slots", () => {
  it("fills the bar and counts whole slots", () => {
    assert.equal(fullness(0, 0), 0);
    assert.equal(fullness(1, 0), 1);
    assert.equal(fullness(1, 4), 0.25);
    assert.equal(fullness(5, 2), 1);
    assert.equal(slotsText(2, 2), "2/2");
    assert.equal(slotsText(1.2, 3), "2/3");
    assert.equal(slotsText(0, 3), "0/3");
  });
  it("says what decays", () => {
    assert.equal(decayText(0), "—");
    assert.equal(decayText(1), "rate limit: 1 slot/s");
    assert.equal(decayText(0.5), "rate limit: 0.5 slots/s");
  });
});

describe("forms", () => {
  it("places an API error's field", () => {
    assert.equal(limitFieldOf("limit"), "limit");
    assert.equal(limitFieldOf("body.slotDecayPerSecond"), "slotDecayPerSecond");
    assert.equal(limitFieldOf("name"), "name");
    assert.equal(limitFieldOf("parameters.x"), undefined);
    assert.equal(limitFieldOf(undefined), undefined);
  });
  it("reads numbers, leaving bad text for the API to name", () => {
    assert.equal(numberOf("2"), 2);
    assert.equal(numberOf(" 0.5 "), 0.5);
    assert.equal(numberOf("two"), "two");
    assert.equal(numberOf(""), "");
    assert.equal(numberOf("", true), undefined);
  });
});
