import type { SourcePosition } from "./diagnostics.js";

export type Decoded =
  | { ok: true; text: string }
  /** `text` has U+FFFD in place of each invalid sequence: enough to show the line in a code frame. */
  | { ok: false; text: string; offset: number; byte: number; position: SourcePosition };

// ignoreBOM keeps a leading byte-order mark in the text, as readFileSync(file, "utf8") did.
const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const lossy = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * The text of UTF-8 bytes, or where the first invalid byte is. A lenient decode would turn those
 * bytes into U+FFFD, which then passes for part of a name (a domain, a key) instead of an error.
 */
export function decodeUtf8(bytes: Uint8Array): Decoded {
  try {
    return { ok: true, text: strict.decode(bytes) };
  } catch {
    const offset = firstInvalidByte(bytes);
    const lineStart = bytes.lastIndexOf(0x0a, offset - 1) + 1;
    let line = 1;
    for (let i = 0; i < lineStart; i++) if (bytes[i] === 0x0a) line++;
    // Columns count UTF-16 units, as the TOML parsers' do; the bytes before the offset are valid.
    const column = lossy.decode(bytes.subarray(lineStart, offset)).length + 1;
    return {
      ok: false,
      text: lossy.decode(bytes),
      offset,
      byte: bytes[offset] ?? 0,
      position: { line, column },
    };
  }
}

/**
 * The offset where the first ill-formed sequence starts (Unicode table 3-7: no overlong forms,
 * no surrogates, nothing above U+10FFFF): a stray continuation byte, a byte that never occurs in
 * UTF-8, or the lead byte of a sequence cut short. Past the end when every sequence is well formed.
 */
export function firstInvalidByte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) length = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      if (b === 0xe0) low = 0xa0;
      else if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      if (b === 0xf0) low = 0x90;
      else if (b === 0xf4) high = 0x8f;
    } else return i;
    for (let k = 1; k < length; k++) {
      const c = bytes[i + k];
      if (c === undefined) return i;
      const [lo, hi] = k === 1 ? [low, high] : [0x80, 0xbf];
      if (c < lo || c > hi) return i;
    }
    i += length;
  }
  return bytes.length;
}
