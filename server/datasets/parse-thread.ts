import type { MessagePort } from "node:worker_threads";
import { DomainError } from "../core/errors";
import { type DatasetFormat, type DatasetRow, hashRows, type ParseOptions, parseDataset } from "./parse";

/**
 * The worker thread's side of an upload parse (parse-pool.ts starts it through parse-worker.mjs):
 * the same parseDataset the web process uses for small files, plus the row and content hashes, so
 * the web event loop does neither. Rows go back in slices, each deserialised in its own event-loop
 * turn on the web thread, never 1 M rows in one.
 */
export interface ParseJob {
  kind: "job";
  bytes: Uint8Array;
  format: DatasetFormat;
  opts: ParseOptions;
}
/** The web thread asks for the next slice once it has taken the last one in (flow control, below). */
export interface NextSlice {
  kind: "next";
}
export type ParseMessage =
  | { kind: "rows"; rows: DatasetRow[]; hashes: string[] }
  | { kind: "done"; columns: string[]; content: string }
  | { kind: "error"; code: DomainError["code"]; message: string; field?: string };

/** Rows per message back to the web thread: a few milliseconds of structured-clone work each. */
export const SLICE = 2000;

/**
 * One slice at a time, each on request: Node drains every message queued on a port in one
 * event-loop turn, so slices posted all at once would be deserialised in one long block on the web
 * thread (1.6 s for 100,000 rows), the very stall this thread exists to avoid.
 */
export function serveParseJobs(port: MessagePort): void {
  let pending: { rows: DatasetRow[]; hashes: string[]; columns: string[]; content: string; next: number } | null = null;
  const sendNext = () => {
    if (!pending) return;
    const { next } = pending;
    if (next < pending.rows.length) {
      pending.next += SLICE;
      port.postMessage({
        kind: "rows",
        rows: pending.rows.slice(next, next + SLICE),
        hashes: pending.hashes.slice(next, next + SLICE),
      } satisfies ParseMessage);
      return;
    }
    port.postMessage({ kind: "done", columns: pending.columns, content: pending.content } satisfies ParseMessage);
    pending = null;
  };
  port.on("message", (m: ParseJob | NextSlice) => {
    if (m.kind === "next") return sendNext();
    try {
      const parsed = parseDataset(m.bytes, m.format, m.opts);
      const hashes = hashRows(parsed.rows);
      pending = { rows: parsed.rows, hashes: hashes.rows, columns: parsed.columns, content: hashes.content, next: 0 };
      sendNext();
    } catch (err) {
      pending = null;
      const e =
        err instanceof DomainError
          ? { code: err.code, message: err.message, field: err.field }
          : { code: "INTERNAL_SERVER_ERROR" as const, message: (err as Error)?.message ?? "parse failed" };
      port.postMessage({ kind: "error", ...e } satisfies ParseMessage);
    }
  });
}
