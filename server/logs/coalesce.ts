import type { DbOrTx } from "../../db/client";
import type { IngestResult } from "./contract";
import { type IngestOptions, ingestBatch } from "./ingest";

/**
 * Group commit for small ingest requests. Requests of one project (and source) that arrive while a
 * write is in flight are merged into the next transaction, so 50 clients sending one event each cost
 * a handful of commits instead of 50. Nothing waits for a timer: an idle server writes a request at
 * once. Each caller still gets only its own results, and only after the commit that holds them.
 */

/** Requests at least this big go alone: they already amortize their transaction. */
const ALONE = 100;
/** Events merged into one transaction at most (the ingest batch limit). */
const MAX_MERGED = 1000;
/** Merged writes in flight per group: one writing while the next one gathers. */
const PARALLEL = 2;

interface Waiter {
  events: unknown[];
  resolve: (r: IngestResult[]) => void;
  reject: (e: unknown) => void;
}
interface Group {
  db: DbOrTx;
  projectId: string;
  opts: IngestOptions;
  pending: Waiter[];
  inFlight: number;
}

const groups = new Map<string, Group>();

export function ingestCoalesced(db: DbOrTx, projectId: string, events: unknown[], opts: IngestOptions): Promise<IngestResult[]> {
  if (events.length >= ALONE) return ingestBatch(db, projectId, events, opts);
  const key = `${projectId}|${opts.source}|${opts.authorUserId ?? ""}`;
  let g = groups.get(key);
  if (!g) {
    g = { db, projectId, opts, pending: [], inFlight: 0 };
    groups.set(key, g);
  }
  const group = g;
  return new Promise((resolve, reject) => {
    group.pending.push({ events, resolve, reject });
    if (group.inFlight < PARALLEL) void drain(key, group);
  });
}

async function drain(key: string, g: Group): Promise<void> {
  g.inFlight++;
  try {
    while (g.pending.length) {
      const take: Waiter[] = [];
      let n = 0;
      while (g.pending.length && n + (g.pending[0]?.events.length ?? 0) <= MAX_MERGED) {
        const w = g.pending.shift() as Waiter;
        take.push(w);
        n += w.events.length;
      }
      try {
        const results = await ingestBatch(
          g.db,
          g.projectId,
          take.flatMap((w) => w.events),
          g.opts,
        );
        let at = 0;
        for (const w of take) {
          w.resolve(results.slice(at, at + w.events.length));
          at += w.events.length;
        }
      } catch (err) {
        for (const w of take) w.reject(err); // nothing of the merged batch was written
      }
    }
  } finally {
    g.inFlight--;
    if (!g.inFlight && !g.pending.length) groups.delete(key);
  }
}
