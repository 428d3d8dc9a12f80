/**
 * Run ids. A run created with an idempotency key gets an id derived from its flow and key, so
 * the same request twice lands on the same Durable Object and creates nothing new.
 *
 * @module
 */

/**
 * A UUID (version 8, "custom") from the SHA-256 of a flow name and an idempotency key.
 *
 * @example
 * ```ts
 * await runIdFor("cat-fact", "order-42"); // the same id every time
 * ```
 */
export async function runIdFor(flowName: string, idempotencyKey: string): Promise<string> {
  const bytes = new Uint8Array(
    await crypto.subtle.digest(
      "SHA-256",
      new TextEncoder().encode(`${flowName}\u0000${idempotencyKey}`),
    ),
  ).slice(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
