/**
 * The elevator from the Spanish seed's task-runner section: ten stops submitted at once with
 * `.submit()` (Prefect's ConcurrentTaskRunner), each printing as it moves and stops.
 *
 * Run it: `npx deno run -A examples/elevator.ts --param floors=5` (`--help` lists the parameters)
 *
 * @module
 */

import { z } from "zod";
import { all, flow, type StepHandle, type TaskContext, task } from "../runtime/mod.ts";
import { isMain, runAsScript } from "./_script.ts";

/** Moves to a floor: takes `msPerFloor` per floor (the seed sleeps a second per floor). */
export const stopAtFloor = task(
  { name: "stop-at-floor", logPrints: true, runName: "floor-{0}" },
  async function (this: TaskContext, floor: number, msPerFloor: number) {
    console.log(`elevator moving to floor ${floor}`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, floor * msPerFloor);
      this.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(this.signal.reason);
      });
    });
    console.log(`elevator stops on floor ${floor}`);
    return floor;
  },
);

/** Submits every stop, then waits for all of them. */
export const elevator = flow(
  {
    name: "elevator",
    description:
      "Ten elevator stops submitted at once, as Prefect's ConcurrentTaskRunner runs them",
    params: z.object({
      floors: z.number().int().min(1).max(100).default(10).describe("How many floors to stop at"),
      msPerFloor: z
        .number()
        .int()
        .min(0)
        .max(60_000)
        .default(100)
        .describe("Milliseconds the elevator takes per floor"),
    }),
  },
  async function* ({ floors, msPerFloor }) {
    const stops: StepHandle<number>[] = [];
    for (let floor = floors; floor > 0; floor--) {
      stops.push(yield* stopAtFloor.submit(floor, msPerFloor));
    }
    return yield* all(stops);
  },
);

if (isMain(import.meta)) await runAsScript(elevator);
