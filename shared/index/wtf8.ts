// Strings as WTF-8: UTF-8 that also carries a lone surrogate as its 3 bytes, so that any JS
// string comes back exactly as it went in, and two different strings never share bytes (the
// path table's names, the text pool's strings).

/** `s` from `from` as WTF-8 into `out` (at least 3 bytes per UTF-16 unit); returns the length. */
export function encodeWtf8(s: string, from: number, out: Uint8Array): number {
  let n = 0;
  for (let i = from; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
      continue;
    }
    if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 0x3f);
      continue;
    }
    const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
    if (c >= 0xd800 && c < 0xdc00 && next >= 0xdc00 && next < 0xe000) {
      c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
      i++;
      out[n++] = 0xf0 | (c >> 18);
      out[n++] = 0x80 | ((c >> 12) & 0x3f);
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
      out[n++] = 0x80 | (c & 0x3f);
      continue;
    }
    // Any other unit, a lone surrogate too, as three bytes.
    out[n++] = 0xe0 | (c >> 12);
    out[n++] = 0x80 | ((c >> 6) & 0x3f);
    out[n++] = 0x80 | (c & 0x3f);
  }
  return n;
}

/** The WTF-8 bytes of `b` from `start` to `end` as a string (what encodeWtf8 wrote). */
function decodeWtf8(b: Uint8Array, start: number, end: number): string {
  // Unit by unit: a name with other than ASCII is rare, and one path segment long.
  let s = '';
  for (let i = start; i < end; ) {
    const c = b[i];
    if (c < 0x80) {
      s += String.fromCharCode(c);
      i++;
    } else if (c < 0xe0) {
      s += String.fromCharCode(((c & 0x1f) << 6) | (b[i + 1] & 0x3f));
      i += 2;
    } else if (c < 0xf0) {
      s += String.fromCharCode(((c & 0x0f) << 12) | ((b[i + 1] & 0x3f) << 6) | (b[i + 2] & 0x3f));
      i += 3;
    } else {
      const cp = (((c & 0x07) << 18) | ((b[i + 1] & 0x3f) << 12) | ((b[i + 2] & 0x3f) << 6) | (b[i + 3] & 0x3f)) - 0x10000;
      s += String.fromCharCode(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
      i += 4;
    }
  }
  return s;
}

/** The WTF-8 bytes of `b` from `start` to `end` as a string (made anew on each call). */
export function stringOfWtf8(b: Buffer, start: number, end: number): string {
  let i = start;
  while (i < end && b[i] < 0x80) i++;
  // ASCII (every artifact's `<hex>.<ext>`, run ids, keys): one native copy.
  if (i === end) return b.toString('latin1', start, end);
  return b.toString('latin1', start, i) + decodeWtf8(b, i, end);
}
