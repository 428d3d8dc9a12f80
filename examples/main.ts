/**
 * `npm run examples`: runs the seed pipelines in this process with Prefect-style logs, their
 * journals in memory: the Iris flow of flows, the concurrent elevator, and the reddit
 * pipeline offline (its storage app started here on a free port with the CSV in memory,
 * scraping the listing the example ships). Their deployments run on the Worker (`npm start`).
 *
 * Run it: `npx deno run -A examples/main.ts` or `node --import tsx examples/main.ts`.
 *
 * @module
 */

import { asyncLocalStorageAttribution } from "../hosts/async_local_storage.ts";
import { setConsoleAttribution } from "../runtime/host.ts";
import { elevator } from "./elevator.ts";
import { irisMainFlow } from "./iris.ts";
import { redditPipeline } from "./reddit/pipeline.ts";
import { createStorageApp, memoryCsv } from "./reddit/storage/app.ts";
import { serveFetch } from "./reddit/storage/node_serve.ts";

setConsoleAttribution(asyncLocalStorageAttribution());
const iris = await irisMainFlow.run({ testDataRatio: 0.2 });
console.log(`Iris accuracy: ${(iris.accuracy * 100).toFixed(2)}%`);
const floors = await elevator.run({ floors: 5, msPerFloor: 100 });
console.log(`Elevator stopped at floors ${floors.join(", ")}`);

const csv = memoryCsv();
const storage = await serveFetch(createStorageApp({ csv }).fetch, { port: 0 });
try {
  const reddit = await redditPipeline.run({
    listingUrl: `${storage.url}/r/redditdev/new.json`,
    storageUrl: storage.url,
  });
  console.log(`Reddit: scraped ${reddit.scraped} posts, stored ${reddit.added}. The CSV:`);
  console.log(await csv.read());
} finally {
  await storage.close();
}
