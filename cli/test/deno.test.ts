// Runs the client's Deno test (client/test/deno_client.ts) with `deno test` against a real
// Worker under `wrangler dev` that this test starts, with a token.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type DevServer, type FactServer, root, startFactServer, startServer } from "./server.ts";

let server: DevServer;
let facts: FactServer;
before(async () => {
  [server, facts] = await Promise.all([startServer({ token: "deno-token" }), startFactServer()]);
});
after(async () => {
  await Promise.all([server?.stop(), facts?.close()]);
});

test("the client passes its tests under Deno", { timeout: 300_000 }, async () => {
  // Not spawnSync: the fact server answers the Worker from this process's event loop.
  const child = spawn(
    join(root, "node_modules/.bin/deno"),
    ["test", "--no-check", "--allow-net=127.0.0.1", "--allow-env", "client/test/deno_client.ts"],
    {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        NO_COLOR: "1",
        WEIR_API_URL: server.url,
        WEIR_API_TOKEN: "deno-token",
        FACT_URL: facts.url,
      },
    },
  );
  let output = "";
  child.stdout.on("data", (d) => {
    output += String(d);
  });
  child.stderr.on("data", (d) => {
    output += String(d);
  });
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  assert.equal(code, 0, output);
  assert.match(output, /ok \| 3 passed/);
});
