import { sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";

/**
 * A gateway key's spend (issue 20), written by ingest in the transaction that writes the key's call
 * traces (IngestOptions.spendKeyId), and told to this process's listeners after the commit (the
 * gateway's key limits count their own calls' cost from it, server/routing/key-limits.ts).
 */

type SpendListener = (keyId: string, cost: number, committedAt: number) => void;
const spendListeners: SpendListener[] = [];

/** Hear each committed gateway spend: the key, the batch's cost (USD) and the commit time (ms). */
export function onKeySpend(fn: SpendListener): void {
  spendListeners.push(fn);
}

/** Called by ingest after the commit that wrote `cost` for `keyId`. */
export function spendCommitted(keyId: string, cost: number): void {
  const at = Date.now();
  for (const fn of spendListeners) fn(keyId, cost, at);
}

/**
 * A gateway key's spend of this batch, by UTC hour of each generation's start: one request per
 * generation (the gateway logs one per call), its tokens and its cost. Returns the batch's cost.
 */
export async function addKeySpend(
  tx: DbOrTx,
  projectId: string,
  keyId: string,
  rows: { type: string; start_time: string; input_tokens?: number; output_tokens?: number; cost?: number }[],
): Promise<number> {
  const byHour = new Map<string, { requests: number; inputTokens: number; outputTokens: number; cost: number }>();
  let total = 0;
  for (const r of rows) {
    if (r.type !== "generation") continue;
    const hour = `${r.start_time.slice(0, 13)}:00:00.000Z`;
    const h = byHour.get(hour) ?? { requests: 0, inputTokens: 0, outputTokens: 0, cost: 0 };
    h.requests++;
    h.inputTokens += r.input_tokens ?? 0;
    h.outputTokens += r.output_tokens ?? 0;
    h.cost += r.cost ?? 0;
    total += r.cost ?? 0;
    byHour.set(hour, h);
  }
  if (!byHour.size) return 0;
  const ks = schema.keySpend;
  await tx
    .insert(ks)
    .values([...byHour].map(([hour, h]) => ({ keyId, projectId, hour: new Date(hour), ...h })))
    .onConflictDoUpdate({
      target: [ks.keyId, ks.hour],
      set: {
        requests: sql`${ks.requests} + excluded.requests`,
        inputTokens: sql`${ks.inputTokens} + excluded.input_tokens`,
        outputTokens: sql`${ks.outputTokens} + excluded.output_tokens`,
        cost: sql`${ks.cost} + excluded.cost`,
      },
    });
  return total;
}
