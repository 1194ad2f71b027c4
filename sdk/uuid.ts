/**
 * RFC 9562 UUIDv7: 48-bit Unix ms timestamp, version 7, variant 10, then 74 random bits. Ids made
 * in the SDK sort by creation time, and retries of a request re-send the same ids (idempotent).
 * Uses the Web Crypto `getRandomValues` so it runs in Node, browsers and edge runtimes alike.
 */
export function uuidv7(now: number = Date.now()): string {
  const b = new Uint8Array(16);
  globalThis.crypto.getRandomValues(b);
  // 48-bit big-endian milliseconds: split in two since bit operators work on 32 bits
  const hi = Math.floor(now / 2 ** 32);
  const lo = now >>> 0;
  b[0] = (hi >>> 8) & 0xff;
  b[1] = hi & 0xff;
  b[2] = (lo >>> 24) & 0xff;
  b[3] = (lo >>> 16) & 0xff;
  b[4] = (lo >>> 8) & 0xff;
  b[5] = lo & 0xff;
  b[6] = ((b[6] as number) & 0x0f) | 0x70; // version 7
  b[8] = ((b[8] as number) & 0x3f) | 0x80; // variant 10
  let h = "";
  for (const x of b) h += x.toString(16).padStart(2, "0");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
