/**
 * The API's limits now live in protocol/limits.ts (the wire format, shared with the client
 * and the UI); this module re-exports them for the Worker's importers.
 *
 * @module
 */

export * from "../../protocol/limits.ts";
