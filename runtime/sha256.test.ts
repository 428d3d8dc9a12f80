import assert from "node:assert/strict";
import { test } from "node:test";
import { sha256Hex } from "./cache.ts";
import { sha256Bytes } from "./sha256.ts";

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

test("sha256Bytes matches the FIPS 180-4 test vectors", () => {
  const encode = (text: string) => new TextEncoder().encode(text);
  assert.equal(
    hex(sha256Bytes(encode(""))),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
  assert.equal(
    hex(sha256Bytes(encode("abc"))),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(
    hex(sha256Bytes(encode("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  );
});

test("sha256Bytes agrees with Web Crypto at every padding boundary", async () => {
  for (let length = 0; length < 200; length++) {
    const bytes = new Uint8Array(length).map((_, i) => (i * 31 + length) & 0xff);
    const expected = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    assert.equal(hex(sha256Bytes(bytes)), hex(expected), `length ${length}`);
  }
});

test("sha256Hex works without crypto.subtle, as on a page that is not a secure context", async () => {
  const expected = await sha256Hex("cache key ✓");
  const own = Object.getOwnPropertyDescriptor(crypto, "subtle");
  Object.defineProperty(crypto, "subtle", { value: undefined, configurable: true });
  try {
    assert.equal(crypto.subtle, undefined);
    assert.equal(await sha256Hex("cache key ✓"), expected);
  } finally {
    if (own !== undefined) Object.defineProperty(crypto, "subtle", own);
    else delete (crypto as { subtle?: unknown }).subtle;
  }
  assert.ok(crypto.subtle !== undefined, "restored");
});
