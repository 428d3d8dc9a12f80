/**
 * The default app this repository's wrangler.toml runs: a Weir Worker with the example flows.
 * Built with `createWeirWorker` exactly as a user's own app would be.
 *
 * @module
 */

import { catFact } from "../examples/cat_fact.ts";
import { elevator } from "../examples/elevator.ts";
import { dataEngineer, dataScience, irisMainFlow } from "../examples/iris.ts";
import { asyncLocalStorageAttribution } from "../hosts/async_local_storage.ts";
import { setConsoleAttribution } from "../runtime/mod.ts";
import { createWeirWorker } from "./app.ts";

setConsoleAttribution(asyncLocalStorageAttribution());

const weir = createWeirWorker({
  flows: [catFact, elevator, dataEngineer, dataScience, irisMainFlow],
});

export const FlowRun = weir.FlowRun;
export default weir.handler;
