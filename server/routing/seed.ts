import { and, eq, inArray, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { ingestBatch } from "../logs";
import { createDeployment, createProvider, listDeployments, listProviders } from "../serving";
import type { Actor } from "../workspace";
import { DEMO_PROMPTS, HARD_CATEGORIES } from "./seed-prompts";
import { chatCompletions } from "./service";
import { createRouter } from "./service-routers";
import { trainRouter } from "./service-train";

export const DEMO_ROUTER = "demo-router";
/** The name of the demo rubric's ratings (thumbs up/down): a demo label, not a person's judgement. */
export const DEMO_RATING = "demo-seed";
const SMALL = "tiny-gpt2";
const LARGE = "gpt-4o-mini";
const TARGET_LARGE_SHARE = 0.3;
/** tokens per demo answer: the rubric reads the prompt, and 40 short generations on CPU keep the seed within a few seconds */
const MAX_TOKENS = 8;
const TRACE_WAIT_MS = 30_000;

export interface DemoRoutingResult {
  /** false: the router was there and trained already; nothing was written */
  created: boolean;
  router: string;
  /** demo calls made and rated by this run (0 when earlier runs had rated them) */
  ratedCalls: number;
  trainedOn: number | null;
  threshold: number | null;
  largeShare: number | null;
  ms: number;
}

/**
 * The demo project's learned router, trained from real rated calls (idempotent; also for projects
 * seeded before it existed):
 *  1. an `openai` provider (no key) and its `gpt-4o-mini` deployment, the large target;
 *  2. the prompts of seed-prompts.ts sent through the gateway to `tiny-gpt2` (the small target), each a
 *     logged trace, then rated by the demo rubric there (name `demo-seed`, source `api`);
 *  3. router `demo-router` (learned, small tiny-gpt2, large gpt-4o-mini, fallback tiny-gpt2), trained
 *     from those ratings with its threshold calibrated to ~30% large calls, left active.
 * Offline, a call routed to gpt-4o-mini fails at DNS and falls back to tiny-gpt2; with a key on the
 * provider it is answered by OpenAI.
 */
export async function seedDemoRouting(db: DbOrTx, actor: Actor, projectId: string): Promise<DemoRoutingResult> {
  const started = performance.now();
  const [existing] = await db
    .select({ kind: schema.routers.kind, trained: schema.routers.trained })
    .from(schema.routers)
    .where(and(eq(schema.routers.projectId, projectId), eq(schema.routers.name, DEMO_ROUTER)));
  // there and trained (or turned into another kind by someone): leave it alone
  if (existing && (existing.trained || existing.kind !== "learned"))
    return { created: false, router: DEMO_ROUTER, ratedCalls: 0, trainedOn: null, threshold: null, largeShare: null, ms: 0 };

  if (!(await listProviders(db, projectId)).some((p) => p.name === "openai"))
    await createProvider(db, actor, projectId, {
      name: "openai",
      baseUrl: "https://api.openai.com/v1",
      timeoutMs: 30_000,
      maxRetries: 0,
      maxConcurrency: 16,
    });
  if (!(await listDeployments(db, projectId)).some((d) => d.name === LARGE))
    await createDeployment(db, actor, projectId, {
      name: LARGE,
      kind: "provider",
      task: "chat",
      provider: "openai",
      providerModel: "gpt-4o-mini",
      modelRef: "production",
      // OpenAI's list prices, USD per 1,000 tokens
      inputPricePer1k: 0.00015,
      outputPricePer1k: 0.0006,
      defaults: {},
      batching: { windowMs: 5, maxBatch: 16 },
    });

  // the ratings go in one transaction: all of them are there, or none (then the calls are made again)
  const [{ n } = { n: 0 }] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(schema.ratings)
    .where(and(eq(schema.ratings.projectId, projectId), eq(schema.ratings.name, DEMO_RATING)));
  const ratedCalls = n > 0 ? 0 : await rateDemoCalls(db, projectId);

  if (!existing)
    await createRouter(db, actor, projectId, {
      name: DEMO_ROUTER,
      kind: "learned",
      config: { small: SMALL, large: LARGE, targetLargeShare: TARGET_LARGE_SHARE, margin: 0 },
      fallbacks: [SMALL],
      cache: { exact: false, semantic: null, ttlSeconds: 3600 },
      active: true,
    });
  const { model } = await trainRouter(db, actor, projectId, {
    name: DEMO_ROUTER,
    source: { kind: "ratings", goodAt: 0.5, limit: 5000 },
    seed: 1,
    targetLargeShare: TARGET_LARGE_SHARE,
  });
  return {
    created: true,
    router: DEMO_ROUTER,
    ratedCalls,
    trainedOn: model.trainedOn,
    threshold: model.threshold,
    largeShare: model.metrics.largeShare,
    ms: Math.round(performance.now() - started),
  };
}

/** Send the demo prompts to the small target through the gateway, wait for their traces, rate them by the rubric. */
async function rateDemoCalls(db: DbOrTx, projectId: string): Promise<number> {
  const calls = await Promise.all(
    DEMO_PROMPTS.map(async (p) => {
      const res = await chatCompletions(
        { db, projectId },
        { model: SMALL, messages: [{ role: "user", content: p.prompt }], max_tokens: MAX_TOKENS, temperature: 0, user: "demo-seed" },
      );
      const traceId = res.kind === "json" && res.status === 200 ? res.headers?.["x-keel-trace-id"] : undefined;
      if (!traceId) throw new Error(`demo call on ${SMALL} failed: ${res.kind === "json" ? JSON.stringify(res.body) : "streamed"}`);
      return { ...p, traceId };
    }),
  );
  // the gateway logs through the ingest group commit, after the response: a rating needs its trace stored
  const ids = calls.map((c) => c.traceId);
  const until = Date.now() + TRACE_WAIT_MS;
  for (;;) {
    const [{ n } = { n: 0 }] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(schema.traces)
      .where(and(eq(schema.traces.projectId, projectId), inArray(schema.traces.id, ids)));
    if (n === ids.length) break;
    if (Date.now() > until) throw new Error(`only ${n} of the ${ids.length} demo calls were logged within ${TRACE_WAIT_MS} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
  const results = await ingestBatch(
    db,
    projectId,
    calls.map((c) => {
      const good = !HARD_CATEGORIES.has(c.category);
      return {
        type: "rating",
        id: `demo-seed-${c.traceId}`,
        body: {
          traceId: c.traceId,
          name: DEMO_RATING,
          value: good,
          comment: `demo seed rubric: a ${c.category} prompt, so the small model's answer is rated ${good ? "good" : "bad"} (${
            good ? "greetings and lookups are easy" : "reasoning, code and long explanations need the large model"
          })`,
        },
      };
    }),
    { source: "api" },
  );
  const bad = results.find((r) => r.status !== 201);
  if (bad) throw new Error(`demo rating not stored: ${bad.error ?? bad.status}`);
  return calls.length;
}
