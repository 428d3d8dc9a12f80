// `weir/worker`, type-checked with the Workers types (worker/tsconfig.json): what a user's
// entry file writes compiles, and what it gets back is what wrangler.toml binds.
import { expectTypeOf } from "vitest";
import { deployment, flow, task } from "weir";
import { createWeirWorker, type FlowRegistry, type WeirEnv, type WeirWorker } from "weir/worker";

const hello = task({ name: "hello" }, (name: string) => `hello ${name}`);
const greet = flow({ name: "greet" }, async function* (params: { name: string }) {
  return yield* hello(params.name);
});
const weir = createWeirWorker({
  flows: [greet],
  deployments: [
    deployment(greet, {
      name: "hourly",
      parameters: { name: "ana" },
      schedules: [{ interval: "1h" }],
    }),
  ],
});
expectTypeOf(weir).toEqualTypeOf<WeirWorker>();
expectTypeOf(weir.handler).toExtend<ExportedHandler<WeirEnv>>();
expectTypeOf(weir.registry).toEqualTypeOf<FlowRegistry>();
// @ts-expect-error: a deployment's default parameters are typed from its flow.
deployment(greet, { name: "bad", parameters: { name: 42 } });
