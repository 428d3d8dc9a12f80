// What GET /api/runs/{id} says about a run beyond its states: the flow's version, where each
// task run's result is kept (inline in the journal, or its R2 key), and errors without stacks
// (the run's logs keep them). Also: the example flows' schemas make the API refuse bad calls.
import { createExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { elevator } from "../../examples/elevator.ts";
import { dataEngineer, dataScience } from "../../examples/iris.ts";
import { InMemoryJournal, InMemoryResultStore } from "../../runtime/host.ts";
import { createWeirWorker } from "../app.ts";
import { publicError, runDetail } from "../run_detail.ts";
import { api, createRun, drive, json, testEnv, useFakeTime } from "./helpers.ts";

useFakeTime();

describe("a run's detail", () => {
  it("records the flow's version and where each task run's result is kept", async () => {
    const journal = new InMemoryJournal({ serialize: true });
    const handle = dataEngineer.start(
      { testDataRatio: 0.2 },
      { journal, results: new InMemoryResultStore(), console: false },
    );
    await handle.result();
    const detail = runDetail(journal.read(handle.runId));
    expect(detail.flowVersion).toBe("1");
    expect(detail.taskRuns.map((t) => [t.runName, t.resultLocation])).toEqual([
      ["load-data-0", { storage: "inline" }],
      ["get-classes-0", { storage: "inline" }],
      ["encode-categorical-columns-0", { storage: "inline" }],
      [
        "split-data-0",
        { storage: "r2", bucket: "RESULTS", key: `iris/${handle.runId}/split-data_output` },
      ],
    ]);
  });

  it("answers flowVersion, resultLocation and errors without stacks over the API", async () => {
    const ok = await drive((await createRun("sum", { parameters: { n: 2 } })).id);
    expect(ok.flowVersion).toBeNull();
    expect(ok.taskRuns.map((t) => t.resultLocation)).toEqual([
      { storage: "inline" },
      { storage: "inline" },
    ]);

    const failed = await drive((await createRun("failing", { parameters: { fail: true } })).id);
    expect(failed.state.type).toBe("FAILED");
    const boom = failed.taskRuns.find((t) => t.name === "boom");
    expect(boom?.error).toMatchObject({ name: "NonRetryableError", message: "boom" });
    expect(boom?.resultLocation).toBeNull();
    expect(failed.error).toMatchObject({ name: "NonRetryableError", message: "boom" });
    const text = JSON.stringify(failed);
    expect(text).not.toContain('"stack"');
    expect(text).not.toMatch(/\.ts:\d+:\d+/);
    // The stack is in the run's logs, under the exception.
    const logs = await json<{ logs: { message: string }[] }>(
      api(`/api/runs/${failed.id}/logs?level=ERROR`),
    );
    const line = logs.logs.find((l) => l.message.startsWith("Task run failed with exception"));
    expect(line?.message).toMatch(/NonRetryableError: boom\n {4}at /);
  });

  it("publicError keeps names, messages, data and causes, and drops every stack", () => {
    const error = Object.assign(new TypeError("fetch failed", { cause: new Error("refused") }), {
      code: "E1",
    });
    expect(publicError(error)).toEqual({
      name: "TypeError",
      message: "fetch failed",
      cause: { name: "Error", message: "refused" },
      data: { code: "E1" },
    });
  });
});

describe("the example flows declare their parameters", () => {
  const weir = createWeirWorker({ flows: [elevator, dataEngineer, dataScience] });
  const send = async (request: Request): Promise<Response> => {
    const handler = weir.handler;
    if (handler.fetch === undefined) throw new Error("createWeirWorker gave no fetch handler");
    return await handler.fetch(request as never, testEnv, createExecutionContext());
  };
  const call = async (flow: string, parameters: unknown) => {
    const response = await send(
      new Request(`https://weir.test/api/flows/${flow}/runs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ parameters }),
      }),
    );
    return {
      status: response.status,
      body: (await response.json()) as { error: { code: string; field?: string } },
    };
  };

  it("refuses a bad elevator call with a 422 naming the parameter", async () => {
    const bad = await call("elevator", { floors: "ten" });
    expect(bad.status).toBe(422);
    expect(bad.body.error).toMatchObject({
      code: "invalid_parameters",
      field: "parameters.floors",
    });
  });

  it("refuses data-science started alone with {} (it needs a split)", async () => {
    const bad = await call("data-science", {});
    expect(bad.status).toBe(422);
    expect(bad.body.error.field).toBe("parameters.split");
  });

  it("shows the elevator's parameters in its JSON Schema, not 'any'", async () => {
    const response = await send(new Request("https://weir.test/api/flows/elevator"));
    const flow = (await response.json()) as {
      parametersSchema?: { properties?: Record<string, { type?: string; default?: unknown }> };
    };
    expect(response.status).toBe(200);
    expect(flow.parametersSchema?.properties?.floors).toMatchObject({
      type: "integer",
      default: 10,
    });
    expect(flow.parametersSchema?.properties?.msPerFloor).toMatchObject({
      type: "integer",
      default: 100,
    });
  });
});
