import assert from "node:assert/strict";
import { test } from "node:test";
import { WeirApiError, WeirUnreachableError } from "../client/errors.ts";
import type { Settings } from "./context.ts";
import { EXIT, explain } from "./errors.ts";
import { UsageError } from "./usage_error.ts";

const settings: Settings = {
  profile: "default",
  apiUrl: "http://127.0.0.1:8787",
  apiUrlFrom: "default",
  token: undefined,
  tokenFrom: "default",
  configPath: "/tmp/config.json",
};

test("errors map to exit codes and say what to do next", () => {
  const unreachable = explain(
    new WeirUnreachableError("http://127.0.0.1:8787", new Error("ECONNREFUSED")),
    settings,
  );
  assert.equal(unreachable.exitCode, EXIT.UNREACHABLE);
  assert.match(
    unreachable.message,
    /127\.0\.0\.1:8787[\s\S]*npm start[\s\S]*weir config set api-url/,
  );

  const refused = explain(new WeirApiError(401, "unauthorized", "Missing token"), settings);
  assert.equal(refused.exitCode, EXIT.UNREACHABLE);
  assert.match(refused.message, /no token was sent[\s\S]*weir config set token/);

  const invalid = explain(
    new WeirApiError(422, "invalid_parameters", "Invalid URL", "parameters.url"),
    settings,
  );
  assert.equal(invalid.exitCode, EXIT.USAGE);
  assert.equal(invalid.message, "Invalid value 'parameters.url': Invalid URL");

  assert.equal(explain(new WeirApiError(404, "not_found", "No run"), settings).exitCode, 2);
  assert.equal(explain(new WeirApiError(409, "conflict", "finished"), settings).exitCode, 1);
  assert.equal(explain(new UsageError("bad"), settings).exitCode, 2);
  assert.equal(explain(new Error("boom"), undefined).exitCode, 1);
});
