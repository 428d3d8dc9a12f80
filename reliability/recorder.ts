/**
 * The crash test's recording service: a node:http server on 127.0.0.1 that the app's steps
 * POST to each time they run. It is the test's ground truth for "this step ran", independent
 * of anything the Worker stores, so it also sees executions that a kill cut short.
 *
 * Each record is stamped with the arrival time and the server generation it came from (the
 * test bumps the generation only after the previous `wrangler dev` is dead, so records of one
 * process never mix with the next). The answer is held back a while, which keeps the step in
 * flight long enough for a kill to land inside it.
 *
 * @module
 */

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { StepRecord } from "./protocol.ts";

/** One execution of a step, as the service saw it. */
export interface Execution extends StepRecord {
  /** Date.now() in the test process when the request arrived. */
  readonly at: number;
  /** Which `wrangler dev` (1 for the first, +1 per restart) the request came from. */
  readonly generation: number;
}

/** The running service. */
export interface Recorder {
  readonly url: string;
  readonly executions: readonly Execution[];
  close(): Promise<void>;
}

export interface RecorderOptions {
  /** The current server generation. */
  readonly generation: () => number;
  /** How long to hold each answer, in ms (drawn per request). */
  readonly holdMs: () => number;
}

function isStepRecord(value: unknown): value is StepRecord {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.runId === "string" && Number.isInteger(v.step) && Number.isInteger(v.attempt);
}

/**
 * Starts the service on a free port.
 *
 * @example
 * ```ts
 * const recorder = await startRecorder({ generation: () => 1, holdMs: () => 100 });
 * ```
 */
export async function startRecorder(options: RecorderOptions): Promise<Recorder> {
  const executions: Execution[] = [];
  const held = new Set<ServerResponse>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
    });
    // A kill resets the Worker's connections mid-request; that is expected here.
    req.on("error", () => {});
    res.on("error", () => {});
    req.on("end", () => {
      let record: unknown;
      try {
        record = JSON.parse(body);
      } catch {
        record = undefined;
      }
      if (req.method !== "POST" || req.url !== "/record" || !isStepRecord(record)) {
        res.writeHead(400, { "content-type": "application/json" });
        res.end('{"message":"POST /record with {runId, step, attempt}"}');
        return;
      }
      const execution: Execution = {
        runId: record.runId,
        step: record.step,
        attempt: record.attempt,
        at: Date.now(),
        generation: options.generation(),
      };
      executions.push(execution);
      held.add(res);
      setTimeout(() => {
        held.delete(res);
        if (res.destroyed) return;
        res.writeHead(200, { "content-type": "application/json" });
        res.end("{}");
      }, options.holdMs());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  if (address === null || typeof address !== "object") throw new Error("recorder: no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    executions,
    close() {
      for (const res of held) res.destroy();
      held.clear();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
