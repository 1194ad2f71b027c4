import { and, desc, eq, lt, or, type SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { z } from "zod";
import { DomainError } from "./errors";

/** Keyset pagination over (created_at DESC, id DESC): stable under inserts, no OFFSET scans. */
export const pageInput = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(200).default(50),
});
export type PageInput = z.infer<typeof pageInput>;
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

interface Cursor {
  t: string;
  id: string;
}

export function decodeCursor(cursor: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Cursor;
    if (typeof c.t !== "string" || typeof c.id !== "string" || Number.isNaN(Date.parse(c.t))) throw new Error();
    return c;
  } catch {
    throw new DomainError("BAD_REQUEST", "cursor is not a cursor returned by this list", "cursor");
  }
}

/** WHERE and ORDER BY parts for the page after `cursor`. */
export function keyset(createdAt: PgColumn, id: PgColumn, cursor?: string): { where?: SQL; orderBy: SQL[] } {
  const orderBy = [desc(createdAt), desc(id)];
  if (!cursor) return { orderBy };
  const c = decodeCursor(cursor);
  const t = new Date(c.t);
  return { where: or(lt(createdAt, t), and(eq(createdAt, t), lt(id, c.id))), orderBy };
}

/** Trim the one extra row fetched (limit + 1) and build the next cursor. */
export function toPage<T extends { id: string; createdAt: Date }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  const nextCursor =
    rows.length > limit && last
      ? Buffer.from(JSON.stringify({ t: last.createdAt.toISOString(), id: last.id })).toString("base64url")
      : null;
  return { items, nextCursor };
}
