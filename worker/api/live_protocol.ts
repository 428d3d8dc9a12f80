/**
 * The live feed's subprotocols now live in protocol/live_protocol.ts (shared with the client
 * and the UI); this module re-exports them for the Worker's importers.
 *
 * @module
 */

export * from "../../protocol/live_protocol.ts";
