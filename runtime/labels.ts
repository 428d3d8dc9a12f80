/**
 * What makes a name, tag or key acceptable: well-formed Unicode with no control characters
 * and no bidirectional formatting characters (which can make a name read as another). The
 * API checks every name it accepts with it (protocol/limits.ts), and the engine checks the
 * names it makes from parameters (concurrency keys).
 *
 * @module
 */

/** Whether a code point is a C0 or C1 control character or DEL. */
function isControl(cp: number): boolean {
  return cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f);
}

/** Whether a code point is a bidirectional formatting character (marks, embeddings, overrides, isolates). */
function isBidiControl(cp: number): boolean {
  return (
    cp === 0x061c ||
    cp === 0x200e ||
    cp === 0x200f ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2066 && cp <= 0x2069)
  );
}

/**
 * What is wrong with a name, tag or key, or `undefined` when it is acceptable: it must be
 * well-formed Unicode with no control characters and no bidirectional formatting characters.
 *
 * @example
 * ```ts
 * labelProblem("nightly\u202Eexe"); // "holds U+202E, a bidirectional formatting character"
 * ```
 */
export function labelProblem(text: string): string | undefined {
  for (const char of text) {
    const cp = char.codePointAt(0) ?? 0;
    if (cp >= 0xd800 && cp <= 0xdfff) {
      return "holds a lone surrogate (it is not well-formed Unicode)";
    }
    const kind = isControl(cp)
      ? "a control character"
      : isBidiControl(cp)
        ? "a bidirectional formatting character"
        : undefined;
    if (kind !== undefined) {
      return `holds U+${cp.toString(16).toUpperCase().padStart(4, "0")}, ${kind}`;
    }
  }
  return undefined;
}
