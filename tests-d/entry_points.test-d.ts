// The package's entry points by audience: `weir` for flow authors holds no engine internals,
// `weir/host` holds the engine and re-exports `weir`, `weir/testing` the contract suites,
// `weir/client` the typed client. (`weir/worker` is checked in worker/test/entry.test-d.ts,
// which compiles with the Workers types.)
import { expectTypeOf } from "vitest";
import * as weir from "weir";
import { type RunDetail, type WeirApiError, WeirClient } from "weir/client";
import { flow, InMemoryJournal, inProcessSubflows, RunLifecycle, resolveHost } from "weir/host";
import { LeaseLostError, runOnServer } from "weir/remote";
import { FakeClock, journalContract } from "weir/testing";

// @ts-expect-error: the engine is not for flow authors; it is in weir/host.
void weir.RunLifecycle;
// @ts-expect-error: nor are the in-memory ports.
void weir.InMemoryJournal;
// @ts-expect-error: nor the journal fold.
void weir.foldJournal;
expectTypeOf(weir.flow).toEqualTypeOf(flow);

const host = resolveHost({ journal: new InMemoryJournal(), console: false }, inProcessSubflows);
const one = weir.task({ name: "one" }, () => 1);
const x = weir.flow({ name: "x" }, async function* () {
  return yield* one();
});
expectTypeOf(new RunLifecycle(x, host, "r", undefined).run).returns.toExtend<Promise<unknown>>();
expectTypeOf(new FakeClock().now()).toEqualTypeOf<number>();
expectTypeOf(journalContract[0]?.name).toEqualTypeOf<string | undefined>();

const client = new WeirClient({ baseUrl: "http://127.0.0.1:8787" });
expectTypeOf(client.getRun("id")).toEqualTypeOf<Promise<RunDetail>>();
expectTypeOf<WeirApiError["field"]>().toEqualTypeOf<string | undefined>();

// `weir/remote`: a flow run here, recorded on a server; the result keeps its type.
expectTypeOf(runOnServer(x, undefined, { url: "http://127.0.0.1:8787" })).toEqualTypeOf<
  Promise<number>
>();
expectTypeOf(new LeaseLostError("run-1", 1)).toExtend<Error>();
