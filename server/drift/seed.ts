import { and, eq } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { lcg32 } from "../core/random";
import { ingestBatch } from "../logs";
import type { Actor } from "../workspace";
import { createMonitor } from "./monitors";
import { runMonitor } from "./runs";

/**
 * The demo project's drift monitor, `demo: gateway traffic`, over gateway-shaped chat traces seeded
 * for it (tag `drift-demo`): a reference week of short English questions answered quickly, then a
 * current day with a visible shift (longer prompts, a share in Spanish, slower and longer answers,
 * more errors). Seeded once; the monitor runs hourly and once at seeding, so its dashboard opens
 * with a drifted run. Deterministic (a fixed generator), anchored at the seeding time.
 */

export const DEMO_MONITOR = "demo: gateway traffic";
const TAG = "drift-demo";

const EN = [
  "What is the capital of France?",
  "How do I reset my password?",
  "What time does the store open?",
  "Translate hello to German.",
  "What is two plus two?",
  "Who wrote Hamlet?",
  "How tall is Mount Everest?",
  "What is the boiling point of water?",
];
const LONG = [
  "Please explain step by step how to migrate a PostgreSQL database with minimal downtime, including replication, cut-over and rollback plans for a team of four.",
  "Write a detailed comparison of three approaches to rate limiting in a distributed API gateway and recommend one for a service with bursty traffic from mobile clients.",
  "Summarize the attached quarterly report and list the five biggest risks with the evidence for each, the owner, and a mitigation you would start this week.",
];
const ES = [
  "¿Cuál es la capital de Francia y por qué es tan importante para la historia de Europa?",
  "¿Cómo puedo cambiar la contraseña de mi cuenta si no recuerdo el correo con el que me registré?",
  "Explica paso a paso cómo preparar una paella para ocho personas con los ingredientes de temporada.",
];

function traffic(now: Date): unknown[] {
  // the LCG, not mulberry32: the demo data was generated with it (same data on every machine)
  const rand = lcg32(13);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)] as T;
  const events: unknown[] = [];
  const add = (i: number, at: Date, prompt: string, shifted: boolean) => {
    const id = `drift-demo-${i}`;
    const latency = Math.round((shifted ? 900 : 250) + rand() * (shifted ? 1600 : 300));
    const outTokens = Math.round((shifted ? 120 : 20) + rand() * (shifted ? 200 : 30));
    const answer = `${"ok ".repeat(Math.max(1, Math.round(outTokens / 2)))}`.trim();
    const error = rand() < (shifted ? 0.12 : 0.02);
    events.push(
      {
        type: "trace",
        id,
        body: {
          timestamp: at.toISOString(),
          name: "gateway chat",
          tags: ["gateway", TAG],
          metadata: { deployment: "tiny-gpt2", provider: "keel", region: shifted && rand() < 0.5 ? "sa-east" : "eu-west" },
          input: [{ role: "user", content: prompt }],
          output: error ? null : { role: "assistant", content: answer },
        },
      },
      {
        type: "observation",
        id: `${id}-gen`,
        body: {
          traceId: id,
          type: "generation",
          name: "tiny-gpt2",
          startTime: at.toISOString(),
          endTime: new Date(at.getTime() + latency).toISOString(),
          completionStartTime: new Date(at.getTime() + Math.round(latency * 0.2)).toISOString(),
          model: "tiny-gpt2",
          provider: "keel",
          usage: { input: Math.ceil(prompt.length / 4), output: error ? 0 : outTokens },
          cost: 0,
          status: error ? "error" : "ok",
          ...(error ? { statusMessage: "upstream timed out" } : {}),
        },
      },
    );
  };
  const day = 86_400_000;
  // reference: 280 calls over days -8 .. -1
  for (let i = 0; i < 280; i++) add(i, new Date(now.getTime() - 8 * day + rand() * 7 * day), pick(EN), false);
  // current: 140 calls over the last 20 hours, shifted
  for (let i = 280; i < 420; i++) {
    const r = rand();
    add(i, new Date(now.getTime() - 20 * 3600_000 + rand() * 19 * 3600_000), r < 0.35 ? pick(ES) : r < 0.7 ? pick(LONG) : pick(EN), true);
  }
  return events;
}

/** Seed the demo monitor and its traffic once (a monitor of that name, kept or changed, stays as it is). */
export async function seedDemoDrift(db: DbOrTx, actor: Actor, projectId: string, now = new Date()): Promise<boolean> {
  const m = schema.driftMonitors;
  const [existing] = await db
    .select({ id: m.id })
    .from(m)
    .where(and(eq(m.projectId, projectId), eq(m.name, DEMO_MONITOR)));
  if (existing) return false;
  const events = traffic(now);
  for (let i = 0; i < events.length; i += 500) await ingestBatch(db, projectId, events.slice(i, i + 500), { source: "api" });
  await createMonitor(db, actor, projectId, {
    name: DEMO_MONITOR,
    description: "Seeded demo: last day's gateway calls against the week before (a shift is seeded into the last day).",
    schedule: "0 * * * *",
    config: {
      source: { kind: "traffic", filter: { tags: ["gateway"] } },
      columns: [
        { name: "input_chars" },
        { name: "output_chars" },
        { name: "input_tokens" },
        { name: "output_tokens" },
        { name: "latency_ms" },
        { name: "ttft_ms" },
        { name: "status" },
        { name: "language" },
        { name: "model" },
        { name: "metadata.region", type: "categorical" },
      ],
      reference: { kind: "range", from: new Date(now.getTime() - 8 * 86_400_000), to: new Date(now.getTime() - 86_400_000) },
      current: { kind: "sliding", window: "day" },
      minSamples: 30,
    },
  });
  await runMonitor(db, actor, projectId, DEMO_MONITOR, "manual", now);
  return true;
}
