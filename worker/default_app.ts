/**
 * The default app this repository's wrangler.toml runs: a Weir Worker with the example flows
 * and their deployments (the seeds' schedules). Built with `createWeirWorker` exactly as a
 * user's own app would be.
 *
 * @module
 */

import { catFact, catFactDeployment } from "../examples/cat_fact.ts";
import { customerSync, dbWriter, politeCrawl } from "../examples/concurrency/flows.ts";
import { elevator } from "../examples/elevator.ts";
import {
  dataEngineer,
  dataEngineerHourly,
  dataScience,
  dataScienceOnDemand,
  irisDependentFlows,
  irisEveryMinute,
  irisMainFlow,
} from "../examples/iris.ts";
import {
  redditEvery2h,
  redditOffline,
  redditPipeline,
  redditScrape,
  redditStore,
} from "../examples/reddit/pipeline.ts";
import { asyncLocalStorageAttribution } from "../hosts/async_local_storage.ts";
import { setConsoleAttribution } from "../runtime/host.ts";
import { createWeirWorker } from "./app.ts";

setConsoleAttribution(asyncLocalStorageAttribution());

const weir = createWeirWorker({
  flows: [
    catFact,
    customerSync,
    dbWriter,
    elevator,
    politeCrawl,
    dataEngineer,
    dataScience,
    irisMainFlow,
    irisDependentFlows,
    redditPipeline,
    redditScrape,
    redditStore,
  ],
  deployments: [
    catFactDeployment,
    dataEngineerHourly,
    dataScienceOnDemand,
    irisEveryMinute,
    redditEvery2h,
    redditOffline,
  ],
});

export const FlowRun = weir.FlowRun;
export const ConcurrencyLimit = weir.ConcurrencyLimit;
export default weir.handler;
