import type { DbOrTx } from "../../db/client";
import { listTraces, type TraceFilter, type TraceRow } from "./traces";

const COLUMNS: (keyof TraceRow)[] = [
  "id",
  "timestamp",
  "name",
  "model",
  "userId",
  "sessionId",
  "release",
  "tags",
  "inputTokens",
  "outputTokens",
  "cost",
  "latencyMs",
  "status",
  "ratingCount",
  "ratingMean",
];
const PAGE = 1000;

/**
 * RFC 4180: quote fields holding a comma, quote, CR or LF; double inner quotes. Text starting with
 * `=`, `+`, `-`, `@`, tab or CR is prefixed with `'` (OWASP CSV injection: a spreadsheet would run it
 * as a formula). Numbers and dates are Keel's own and stay as they are (a negative number is data).
 */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return "";
  let s = v instanceof Date ? v.toISOString() : Array.isArray(v) ? v.join(";") : String(v);
  if ((typeof v === "string" || Array.isArray(v)) && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Every trace a filter selects, as JSONL (full input and output) or CSV (the table's columns),
 * streamed page by page (keyset, 1,000 rows a query) so an export of millions never sits in memory.
 */
export function exportTraces(db: DbOrTx, projectId: string, filter: TraceFilter, format: "jsonl" | "csv"): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  let cursor: string | undefined;
  let started = false;
  let finished = false;
  return new ReadableStream({
    async pull(controller) {
      if (finished) return controller.close();
      if (!started && format === "csv") controller.enqueue(enc.encode(`${COLUMNS.join(",")}\r\n`));
      started = true;
      const page = await listTraces(db, projectId, filter, { cursor, limit: PAGE }, { full: format === "jsonl" });
      const lines =
        format === "jsonl"
          ? page.items.map((r) => `${JSON.stringify(r)}\n`)
          : page.items.map((r) => `${COLUMNS.map((c) => csvField(r[c])).join(",")}\r\n`);
      if (lines.length) controller.enqueue(enc.encode(lines.join("")));
      cursor = page.nextCursor ?? undefined;
      if (!cursor) {
        finished = true;
        controller.close();
      }
    },
  });
}
