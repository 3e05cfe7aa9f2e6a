// The short-ASCII fast path of the binary encoders (marshal, pickle, msgpack): most strings in a call are short
// ASCII keys and names, and copying them byte by byte beats Buffer.write's native round trip. Each encoder keeps
// its own header (tag and length) and threshold; this is only the copy.

/** Copies `s` into `buf` from `at` when it is all ASCII and returns the position after it; -1 at a non-ASCII char. */
export function copyAscii(buf: Uint8Array, at: number, s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return -1;
    buf[at + i] = c;
  }
  return at + n;
}
