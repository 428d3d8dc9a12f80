/**
 * The id of a run the scheduler creates, derived from its deployment, its schedule and its
 * scheduled time: a tick that runs twice, or two ticks at once, ask the same Durable Object to
 * create the same run, and its `create` is idempotent, so no run is ever created twice.
 *
 * @module
 */

/**
 * A UUID (version 8, "custom") from the SHA-256 of the deployment id, schedule id and time.
 * The text hashed starts with a prefix no idempotency key's run id (worker/api/run_ids.ts)
 * starts with, so the two kinds of derived ids never meet.
 *
 * @example
 * ```ts
 * await scheduledRunId("dep-1", "sched-1", Date.UTC(2026, 0, 1)); // the same id every time
 * ```
 */
export async function scheduledRunId(
  deploymentId: string,
  scheduleId: string,
  scheduledAt: number,
): Promise<string> {
  const text = `weir.schedule\u0000\u0000${deploymentId}\u0000${scheduleId}\u0000${scheduledAt}`;
  const bytes = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
  ).slice(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
