import type { DbOrTx } from "../../db/client";
import type { IngestResult } from "./contract";
import { type IngestOptions, ingestBatch } from "./ingest";

/**
 * Group commit for small ingest requests. Requests of one project (and source) that arrive while a
 * write is in flight are merged into the next transaction, so 50 clients sending one event each cost
 * a handful of commits instead of 50. Nothing waits for a timer: an idle server writes a request at
 * once. Each caller still gets only its own results, and only after the commit that holds them.
 *
 * A caller that does not wait for the write (the gateway logging a call it already answered) may
 * pass `lingerMs`: an idle group then waits that long for more events before it writes, so one
 * client calling the gateway in a loop costs one commit per window, not one per call. `flushIngest`
 * writes whatever lingers (shutdown calls it before closing the database).
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
  pendingEvents: number;
  inFlight: number;
  timer: NodeJS.Timeout | null;
}

const groups = new Map<string, Group>();
const drains = new Set<Promise<void>>();

export function ingestCoalesced(
  db: DbOrTx,
  projectId: string,
  events: unknown[],
  opts: IngestOptions,
  lingerMs = 0,
): Promise<IngestResult[]> {
  if (events.length >= ALONE) return ingestBatch(db, projectId, events, opts);
  const key = `${projectId}|${opts.source}|${opts.authorUserId ?? ""}|${opts.apiKeyId ?? ""}|${opts.ownRatingsOnly ? 1 : 0}|${opts.spendKeyId ?? ""}`;
  let g = groups.get(key);
  if (!g) {
    g = { db, projectId, opts, pending: [], pendingEvents: 0, inFlight: 0, timer: null };
    groups.set(key, g);
  }
  const group = g;
  return new Promise((resolve, reject) => {
    group.pending.push({ events, resolve, reject });
    group.pendingEvents += events.length;
    if (group.inFlight >= PARALLEL) return; // a running drain takes it
    if (lingerMs > 0 && group.pendingEvents < MAX_MERGED) {
      // a running drain takes it after its write; else the first lingering call starts the window
      if (group.inFlight === 0) group.timer ??= setTimeout(() => startDrain(key, group), lingerMs);
      return;
    }
    startDrain(key, group);
  });
}

function startDrain(key: string, g: Group): void {
  if (g.timer) {
    clearTimeout(g.timer);
    g.timer = null;
  }
  const run = drain(key, g);
  drains.add(run);
  void run.finally(() => drains.delete(run));
}

/** Write every lingering event now, and wait for every write in flight. */
export async function flushIngest(): Promise<void> {
  for (const [key, g] of groups) if (g.timer && g.pending.length) startDrain(key, g);
  while (drains.size) await Promise.allSettled([...drains]);
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
        g.pendingEvents -= w.events.length;
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
    if (!g.inFlight && !g.pending.length && !g.timer) groups.delete(key);
  }
}
