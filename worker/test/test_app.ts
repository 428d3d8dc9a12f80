/**
 * The Worker under test: built with the same factory as the default app, with the test flows
 * and the test deployments.
 *
 * @module
 */

import { createWeirWorker } from "../app.ts";
import { testDeployments } from "./test_deployments.ts";
import { testFlows } from "./test_flows.ts";

const weir = createWeirWorker({ flows: testFlows, deployments: testDeployments });

export const FlowRun = weir.FlowRun;
export const ConcurrencyLimit = weir.ConcurrencyLimit;
export default weir.handler;
