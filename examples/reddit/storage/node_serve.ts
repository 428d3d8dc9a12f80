/**
 * Serves a `fetch` handler (a Hono app's `app.fetch`) with `node:http`, for Node and for
 * tests under Deno and Node alike (Deno runs `node:http` too). The repository does not depend
 * on `@hono/node-server`, and a fetch handler needs only this much.
 *
 * @example
 * ```ts
 * const server = await serveFetch(app.fetch, { port: 9001, hostname: "127.0.0.1" });
 * console.log(server.url); // http://127.0.0.1:9001
 * await server.close();
 * ```
 *
 * @module
 */

import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/** A running server. */
export interface FetchServer {
  /** `http://host:port`, with the port actually bound (useful with port 0). */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Listens on `hostname:port` (port 0 picks a free one) and answers each request with
 * `handler`. A handler that throws answers 500 with a JSON error.
 *
 * @example
 * ```ts
 * const { url } = await serveFetch((request) => new Response("ok"), { port: 0 });
 * ```
 */
export async function serveFetch(
  handler: (request: Request) => Response | Promise<Response>,
  options: { readonly port: number; readonly hostname?: string },
): Promise<FetchServer> {
  const hostname = options.hostname ?? "127.0.0.1";
  const server = createServer(async (req, res) => {
    try {
      const response = await handler(await toRequest(req, hostname));
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch (error) {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "internal", message: String(error) } }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, hostname, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections?.();
      }),
  };
}

async function toRequest(req: IncomingMessage, hostname: string): Promise<Request> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  const method = req.method ?? "GET";
  const chunks: Buffer[] = [];
  if (method !== "GET" && method !== "HEAD") for await (const chunk of req) chunks.push(chunk);
  const url = new URL(req.url ?? "/", `http://${req.headers.host ?? hostname}`);
  return new Request(url, {
    method,
    headers,
    ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
  });
}
