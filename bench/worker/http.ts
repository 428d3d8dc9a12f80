/**
 * The Worker benchmark's HTTP client: keep-alive sockets, a hard timeout, bodies as text.
 *
 * @module
 */

import http from "node:http";

/** The keep-alive sockets every request shares; destroy it when done. */
export const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

export interface Answer {
  readonly status: number;
  readonly body: string;
}

/** No request of the bench waits longer than this, unless the caller sets its own timeout. */
const REQUEST_TIMEOUT_MS = 120_000;

export function request(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = REQUEST_TIMEOUT_MS,
): Promise<Answer> {
  const url = new URL(path, base);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        agent,
        timeout: timeoutMs,
        headers: payload === undefined ? {} : { "content-type": "application/json" },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer in time`)));
    req.on("error", reject);
    req.end(payload);
  });
}

/** A GET, retried twice: a keep-alive socket the server just closed fails once. */
export async function get(base: string, path: string) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request(base, "GET", path);
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
}
