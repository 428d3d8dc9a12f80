/**
 * The Worker under test: built with the same factory as the default app, with the test flows.
 *
 * @module
 */

import { createWeirWorker } from "../app.ts";
import { testFlows } from "./test_flows.ts";

const weir = createWeirWorker({ flows: testFlows });

export const FlowRun = weir.FlowRun;
export default weir.handler;
