/**
 * `npm start` until the Worker lands: runs the seed pipelines in this process with
 * Prefect-style logs — the Iris flow of flows and the concurrent elevator — and keeps their
 * journals in memory.
 *
 * @module
 */

import { asyncLocalStorageAttribution } from "../hosts/async_local_storage.ts";
import { setConsoleAttribution } from "../runtime/mod.ts";
import { elevator } from "./elevator.ts";
import { irisMainFlow } from "./iris.ts";

setConsoleAttribution(asyncLocalStorageAttribution());
const iris = await irisMainFlow.run({ testDataRatio: 0.2 });
console.log(`Iris accuracy: ${(iris.accuracy * 100).toFixed(2)}%`);
const floors = await elevator.run({ floors: 5, msPerFloor: 100 });
console.log(`Elevator stopped at floors ${floors.join(", ")}`);
