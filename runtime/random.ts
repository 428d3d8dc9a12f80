/**
 * Seeded randomness for flow bodies: the same seed gives the same numbers, so a replayed body
 * draws what it drew the first time.
 *
 * @module
 */

/**
 * A seeded generator of numbers in [0, 1) (mulberry32: small, fast, good enough for names,
 * jitter and sampling; not for secrets).
 *
 * @example
 * ```ts
 * const random = seededRandom(42);
 * random(); // the same value on every run
 * ```
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A 32-bit hash of a string (FNV-1a), to derive seeds from ids.
 *
 * @example
 * ```ts
 * hashString("run-1"); // a stable unsigned 32-bit number
 * ```
 */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * A v4-format UUID drawn from `random`.
 *
 * @example
 * ```ts
 * uuidFrom(seededRandom(1)); // "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"
 * ```
 */
export function uuidFrom(random: () => number): string {
  const hex = (n: number) =>
    Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join("");
  const variant = (8 + Math.floor(random() * 4)).toString(16);
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${variant}${hex(3)}-${hex(12)}`;
}

/**
 * A random v4 UUID from the platform's cryptographic generator. Uses `crypto.randomUUID` where
 * it exists, else builds one from `crypto.getRandomValues`: browsers offer `randomUUID` only
 * in secure contexts (https or localhost), while `getRandomValues` works on any page.
 *
 * @example
 * ```ts
 * randomUUID(); // "3b241101-e2bb-4255-8caf-4136c566a962"
 * ```
 */
export function randomUUID(): string {
  const webCrypto = (globalThis as { crypto?: Partial<Crypto> }).crypto;
  if (typeof webCrypto?.randomUUID === "function") return webCrypto.randomUUID();
  return uuidFromBytes(webCrypto);
}

/**
 * A v4 UUID from `crypto.getRandomValues` alone (RFC 9562: version 4, variant 10xx).
 *
 * @example
 * ```ts
 * uuidFromBytes(crypto); // "xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx"
 * ```
 * @throws {Error} when the platform has no `crypto.getRandomValues` at all.
 */
export function uuidFromBytes(webCrypto: Partial<Crypto> | undefined): string {
  if (typeof webCrypto?.getRandomValues !== "function") {
    throw new Error(
      "Cannot make a run id: this platform has neither crypto.randomUUID nor crypto.getRandomValues; pass a runId in the run options",
    );
  }
  const bytes = webCrypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
