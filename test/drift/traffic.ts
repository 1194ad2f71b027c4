import type { DbOrTx } from "../../db/client";
import { lcg32 } from "../../server/core/random";
import { ingestBatch } from "../../server/logs";

/**
 * Seeded traffic for the drift tests: traces with known values (latency, tokens, metadata) in a
 * reference range and a current window, so a test can compute the expected statistics from the
 * same raw values it ingested.
 */

/** The LCG these tests' expected figures were recorded with (server/core/random.ts). */
export const rng = lcg32;

export interface Call {
  id: string;
  at: Date;
  prompt: string;
  latencyMs: number;
  outputTokens: number;
  score: number | string;
  region: string;
  status: "ok" | "error";
  tag: string;
}

/** Calls whose values come from `shift` (0: the reference distribution). */
export function calls(opts: { n: number; from: Date; to: Date; shift: number; seed: number; tag: string; prefix: string }): Call[] {
  const rand = rng(opts.seed);
  const span = opts.to.getTime() - opts.from.getTime();
  return Array.from({ length: opts.n }, (_, i) => {
    const s = opts.shift;
    return {
      id: `${opts.prefix}-${i}`,
      at: new Date(opts.from.getTime() + Math.floor(rand() * span)),
      prompt: "What is the weather like today? ".repeat(1 + Math.floor(rand() * (3 + 6 * s))),
      latencyMs: Math.round(200 + rand() * 300 + s * 400 * rand()),
      outputTokens: Math.round(10 + rand() * 40 + s * 60),
      score: Math.round((rand() + s * 0.5) * 1000) / 1000,
      region: rand() < 0.5 + s * 0.4 ? "eu" : "us",
      status: rand() < 0.05 + s * 0.2 ? "error" : "ok",
      tag: opts.tag,
    };
  });
}

/** Ingest events of the calls: a trace and its generation each. */
export function events(cs: Call[]): unknown[] {
  return cs.flatMap((c) => [
    {
      type: "trace",
      id: c.id,
      body: {
        timestamp: c.at.toISOString(),
        name: "chat",
        tags: [c.tag],
        metadata: { score: c.score, region: c.region, deployment: "dep-a" },
        input: [{ role: "user", content: c.prompt }],
        output: { role: "assistant", content: "It is sunny." },
      },
    },
    {
      type: "observation",
      id: `${c.id}-gen`,
      body: {
        traceId: c.id,
        type: "generation",
        name: "llm",
        model: "m1",
        startTime: c.at.toISOString(),
        endTime: new Date(c.at.getTime() + c.latencyMs).toISOString(),
        usage: { input: 10, output: c.outputTokens },
        cost: 0,
        status: c.status,
      },
    },
  ]);
}

const DAY = 86_400_000;

/**
 * Ingest a reference window (days 10..3 before `now`, the unshifted distribution) and a current one
 * (the last 20 hours, shifted by `shift`) under `tag`; returns both windows' calls.
 */
export async function seedWindows(
  db: DbOrTx,
  projectId: string,
  o: { now: Date; tag: string; reference: number; current: number; shift: number; seeds: [number, number]; prefix: string },
): Promise<{ reference: Call[]; current: Call[] }> {
  const t = o.now.getTime();
  const reference = calls({
    n: o.reference,
    from: new Date(t - 10 * DAY),
    to: new Date(t - 3 * DAY),
    shift: 0,
    seed: o.seeds[0],
    tag: o.tag,
    prefix: `${o.prefix}r`,
  });
  const current = calls({
    n: o.current,
    from: new Date(t - 20 * 3600_000),
    to: new Date(t - 3600_000),
    shift: o.shift,
    seed: o.seeds[1],
    tag: o.tag,
    prefix: `${o.prefix}c`,
  });
  const all = events([...reference, ...current]);
  for (let i = 0; i < all.length; i += 500) await ingestBatch(db, projectId, all.slice(i, i + 500), { source: "api" });
  return { reference, current };
}
