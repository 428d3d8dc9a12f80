/**
 * The result store port over the API (`GET|PUT /api/results/{key}`): persisted and large
 * results of a remote run are stored on the server, where the UI and any later host read them.
 *
 * @module
 */

import type { Encoded, ResultStore } from "../../runtime/host.ts";
import type { RemoteApi } from "./api.ts";

/**
 * A result store on the server.
 *
 * @example
 * ```ts
 * const results = new RemoteResultStore(new RemoteApi());
 * await results.put("run-1/result", { rows: 3 });
 * ```
 */
export class RemoteResultStore implements ResultStore {
  constructor(readonly api: RemoteApi) {}

  put(key: string, value: Encoded): Promise<void> {
    return this.api.putResult(key, value);
  }

  get(key: string): Promise<Encoded | undefined> {
    return this.api.getResult(key);
  }
}
