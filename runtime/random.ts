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
