/**
 * Deployments declared in code for the Worker under test (test_app.ts). Their one schedule is
 * inactive, so scheduler tests that tick see no runs from them.
 *
 * @module
 */

import { deployment } from "../../runtime/host.ts";
import { sum } from "./test_flows.ts";

/** Every code deployment of the test Worker. */
export const testDeployments = [
  deployment(sum, {
    name: "code-sum",
    description: "Declared in code",
    tags: ["code"],
    parameters: { n: 4 },
    schedules: [{ schedule: { cron: "0 3 * * *" }, active: false }],
  }),
];
