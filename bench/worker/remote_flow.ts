/**
 * The flow of the remote-run benchmark (`remote.ts`, issue 11): N sequential trivial tasks.
 * One definition, registered in the bench Worker (`bench_app.ts`, run there through the API)
 * and run in the bench's own process by `runOnServer` and with in-memory ports.
 *
 * @module
 */

import { flow, task } from "../../runtime/host.ts";

/** The trivial step: it returns its argument. */
const step = task({ name: "remote-noop" }, async (i: number) => i);

/** N sequential tasks; answers the last one's value. */
export const remoteSeq = flow({ name: "bench-remote-seq" }, async function* ({ n }: { n: number }) {
  let last = -1;
  for (let i = 0; i < n; i++) last = yield* step(i);
  return last;
});
