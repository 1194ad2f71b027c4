import { type Column, getTableColumns, type Table } from "drizzle-orm";
import { z } from "zod";

/**
 * Helpers for procedures' output schemas (issue 15: every procedure declares `.output()`, and the
 * OpenAPI document is generated from them). Outputs are plain zod objects, never transforms, so
 * `z.toJSONSchema(s, { io: "output", unrepresentable: "any" })` converts them (dates become `{}`).
 */

/**
 * Free-form JSON the server passes through as stored (metadata, inputs, outputs, typed jsonb
 * columns): checked as `unknown` at run time, typed as `T` for the client so the console keeps its
 * types. The document says "any JSON" for it.
 */
export const jsonOf = <T>() => z.unknown() as unknown as z.ZodType<T>;

type RowShape<T extends Table> = { [K in keyof T["$inferSelect"]]: z.ZodType<T["$inferSelect"][K]> };

function columnSchema(col: Column): z.ZodType {
  const c = col as Column & { enumValues?: string[]; baseColumn?: Column };
  let s: z.ZodType;
  switch (c.dataType) {
    case "string":
      s = c.enumValues?.length ? z.enum(c.enumValues as [string, ...string[]]) : z.string();
      break;
    case "number":
      s = z.number();
      break;
    case "boolean":
      s = z.boolean();
      break;
    case "date":
      s = z.date();
      break;
    case "array":
      s = z.array(c.baseColumn ? columnSchema(c.baseColumn) : z.unknown());
      break;
    case "bigint":
      s = z.bigint();
      break;
    default:
      // json, jsonb and custom columns: free-form JSON (typed through RowShape)
      return z.unknown();
  }
  return c.notNull ? s : s.nullable();
}

/**
 * The schema of a row as drizzle selects it (`table.$inferSelect`): one field per column, its zod
 * type from the column's (text enums as enums, nullable where the column is). A service returning
 * `$inferSelect` rows and this schema cannot drift apart: a new column appears in both.
 */
export function rowSchema<T extends Table>(table: T): z.ZodObject<RowShape<T>> {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, col] of Object.entries(getTableColumns(table))) shape[key] = columnSchema(col as Column);
  return z.object(shape) as unknown as z.ZodObject<RowShape<T>>;
}

/** A keyset page (server/core/pagination.ts): `{ items, nextCursor }`. */
export const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
