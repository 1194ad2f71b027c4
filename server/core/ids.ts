import { randomFillSync } from "node:crypto";

/** Random bytes drawn 4 KiB at a time (one syscall per 256 ids, not one per id: ids are on the gateway's hot path). */
const POOL = Buffer.alloc(4096);
let poolAt = POOL.length;

/** RFC 9562 UUIDv7: 48-bit Unix ms timestamp, then random bits; sorts by creation time. */
export function uuidv7(now = Date.now()): string {
  if (poolAt + 16 > POOL.length) {
    randomFillSync(POOL);
    poolAt = 0;
  }
  const b = Buffer.allocUnsafe(16);
  POOL.copy(b, 0, poolAt, poolAt + 16);
  poolAt += 16;
  b.writeUIntBE(now, 0, 6);
  b[6] = ((b[6] as number) & 0x0f) | 0x70; // version 7
  b[8] = ((b[8] as number) & 0x3f) | 0x80; // variant 10
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A UUID's text form (any version): look-ups by id check it first, so a malformed id is a 404, not a database error. */
export const isUuid = (s: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
