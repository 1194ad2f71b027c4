import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { buildFromLogs } from "../../server/datasets";
import { DEMO_VIEWS, seedDemoViews } from "../../server/logs";
import { registerBundled } from "../../server/registry";
import { chatCompletions, DEMO_RATING, DEMO_ROUTER, type DemoRoutingResult, seedDemoRouting } from "../../server/routing";
import { DEMO_PROMPTS, HARD_CATEGORIES } from "../../server/routing/seed-prompts";
import { listDeployments, listProviders, seedDeployments } from "../../server/serving";
import { SYSTEM_ACTOR, seedDemo } from "../../server/workspace";
import { freshDatabase, type TestDatabase } from "../helpers/db";
import { waitFor } from "../helpers/wait";

let d: TestDatabase;
let projectId: string;
let first: DemoRoutingResult;

/** Rows of the project in the tables the seed writes, to see that a second run writes nothing. */
async function counts() {
  const n = async (table: typeof schema.traces | typeof schema.ratings | typeof schema.auditLogs | typeof schema.routers) =>
    (await d.db.select({ n: sql<number>`count(*)::int` }).from(table).where(eq(table.projectId, projectId)))[0]?.n;
  return {
    traces: await n(schema.traces),
    ratings: await n(schema.ratings),
    audit: await n(schema.auditLogs),
    routers: await n(schema.routers),
    providers: (await listProviders(d.db, projectId)).length,
    deployments: (await listDeployments(d.db, projectId)).length,
  };
}
const demoRouter = async () =>
  (
    await d.db
      .select()
      .from(schema.routers)
      .where(and(eq(schema.routers.projectId, projectId), eq(schema.routers.name, DEMO_ROUTER)))
  )[0];

beforeAll(async () => {
  d = await freshDatabase();
  // what `keel seed` does before the demo router: the project, the bundled models, their deployments
  const demo = await seedDemo(d.db, { password: "correct-horse-battery" });
  projectId = demo.projectId;
  await registerBundled(d.db, SYSTEM_ACTOR, projectId, path.resolve("models"));
  await seedDeployments(d.db, SYSTEM_ACTOR, projectId);
  first = await seedDemoRouting(d.db, SYSTEM_ACTOR, projectId);
  console.log(`demo routing seeded in ${first.ms} ms`, first);
});
afterAll(async () => {
  await d?.drop();
});

describe("the demo project's learned router", () => {
  it("adds the openai provider (no key) and gpt-4o-mini at list prices", async () => {
    const openai = (await listProviders(d.db, projectId)).find((p) => p.name === "openai");
    expect(openai).toMatchObject({ baseUrl: "https://api.openai.com/v1", hasApiKey: false, maxRetries: 0 });
    const large = (await listDeployments(d.db, projectId)).find((x) => x.name === "gpt-4o-mini");
    expect(large).toMatchObject({
      kind: "provider",
      task: "chat",
      provider: "openai",
      providerModel: "gpt-4o-mini",
      inputPricePer1k: 0.00015,
      outputPricePer1k: 0.0006,
      active: true,
    });
  });

  it("rates real logged calls of tiny-gpt2 by the demo rubric", async () => {
    expect(first).toMatchObject({ created: true, ratedCalls: DEMO_PROMPTS.length });
    const rows = await d.db
      .select({ value: schema.ratings.value, comment: schema.ratings.comment, input: schema.traces.input, meta: schema.traces.metadata })
      .from(schema.ratings)
      .innerJoin(schema.traces, and(eq(schema.traces.projectId, schema.ratings.projectId), eq(schema.traces.id, schema.ratings.traceId)))
      .where(and(eq(schema.ratings.projectId, projectId), eq(schema.ratings.name, DEMO_RATING)));
    expect(rows).toHaveLength(DEMO_PROMPTS.length);
    for (const r of rows) {
      expect(r.meta).toMatchObject({ deployment: "tiny-gpt2", provider: "keel" });
      expect(r.comment).toMatch(/^demo seed rubric: /);
      const prompt = (r.input as { content: string }[])[0]?.content;
      const item = DEMO_PROMPTS.find((p) => p.prompt === prompt);
      expect(item, prompt).toBeDefined();
      expect(r.value).toBe(HARD_CATEGORIES.has(item?.category ?? "greeting") ? 0 : 1);
    }
  });

  it("trains demo-router from those ratings, calibrated to ~30% large calls, and leaves it active", async () => {
    const r = await demoRouter();
    expect(r).toMatchObject({
      kind: "learned",
      active: true,
      fallbacks: ["tiny-gpt2"],
      config: { small: "tiny-gpt2", large: "gpt-4o-mini", targetLargeShare: 0.3 },
    });
    const model = r?.trained as { threshold: number; trainedOn: number; metrics: { targetLargeShare: number; largeShare: number } };
    expect(r?.trainedAt).toBeInstanceOf(Date);
    expect(model.trainedOn).toBe(DEMO_PROMPTS.length);
    expect(model.threshold).toBeGreaterThan(0);
    expect(model.threshold).toBeLessThan(1);
    expect(model.metrics.targetLargeShare).toBe(0.3);
    expect(Math.abs(model.metrics.largeShare - 0.3)).toBeLessThanOrEqual(0.05);
    expect(first).toMatchObject({ trainedOn: DEMO_PROMPTS.length, threshold: model.threshold });
  });

  it("saves a view of the well-rated calls, which builds chat SFT rows of exactly those calls", async () => {
    expect(await seedDemoViews(d.db, SYSTEM_ACTOR, projectId)).toBe(DEMO_VIEWS.length);
    expect(await seedDemoViews(d.db, SYSTEM_ACTOR, projectId)).toBe(0);
    const [view] = await d.db.select().from(schema.savedViews).where(eq(schema.savedViews.projectId, projectId));
    expect(view).toMatchObject({ name: "demo: well-rated gateway calls", query: "tags=gateway&ratingMin=1" });
    // the filter the console's launch form makes of that query (tags, a mean rating of at least 1)
    const built = await buildFromLogs(d.db, SYSTEM_ACTOR, projectId, {
      name: "demo-sft",
      filter: { tags: ["gateway"], ratingMin: 1 },
      format: "chat",
      dedupe: true,
      heldOut: 0.2,
      limit: 1000,
    });
    const good = DEMO_PROMPTS.filter((p) => !HARD_CATEGORIES.has(p.category));
    expect(built.rowCount + built.skipped.duplicates + built.skipped.notChat).toBe(good.length);
    expect(built.rowCount).toBeGreaterThan(good.length / 2);
  });

  it("changes nothing on a second run", async () => {
    const before = await counts();
    const trainedAt = (await demoRouter())?.trainedAt;
    const again = await seedDemoRouting(d.db, SYSTEM_ACTOR, projectId);
    expect(again).toMatchObject({ created: false, ratedCalls: 0 });
    expect(await counts()).toEqual(before);
    expect((await demoRouter())?.trainedAt).toEqual(trainedAt);
  });

  it("serves router:demo-router: small decisions on tiny-gpt2, large ones fall back to it offline, recorded as fallbacks", async () => {
    const router = await demoRouter();
    const results = await Promise.all(
      DEMO_PROMPTS.map((p) =>
        chatCompletions(
          { db: d.db, projectId },
          { model: `router:${DEMO_ROUTER}`, messages: [{ role: "user", content: p.prompt }], max_tokens: 4 },
        ),
      ),
    );
    for (const res of results) {
      expect(res.kind).toBe("json");
      if (res.kind !== "json") continue;
      expect(res.status).toBe(200);
      expect((res.body as { choices: unknown[] }).choices).toHaveLength(1);
      // offline (no DNS for api.openai.com, no key): everything is answered by tiny-gpt2
      expect(res.headers?.["x-keel-route-target"]).toBe("tiny-gpt2");
    }
    const reasons = results.map((r) => decodeURIComponent(r.headers?.["x-keel-route-reason"] ?? ""));
    const fellBack = reasons.filter((x) => x.includes("fallback to tiny-gpt2 after"));
    // 30% of the training prompts are rated bad for the small model, the share the threshold is calibrated to: those go large
    expect(DEMO_PROMPTS.flatMap((p, i) => (reasons[i]?.includes("fallback to tiny-gpt2 after") ? [p.prompt] : []))).toEqual(
      DEMO_PROMPTS.filter((p) => HARD_CATEGORIES.has(p.category)).map((p) => p.prompt),
    );
    expect(reasons.filter((x) => x.startsWith("learned: P(small good enough)") && x.includes(">=")).length).toBe(
      DEMO_PROMPTS.length - fellBack.length,
    );

    const re = schema.routeEvents;
    const events = await waitFor("the route events", async () => {
      const rows = await d.db
        .select()
        .from(re)
        .where(and(eq(re.projectId, projectId), eq(re.routerId, router?.id as string)));
      return rows.length === DEMO_PROMPTS.length && rows;
    });
    expect(events.every((e) => e.target === "tiny-gpt2" && !e.large && e.cache === "miss")).toBe(true);
    const fallbacks = events.filter((e) => e.fallback);
    expect(fallbacks).toHaveLength(fellBack.length);
    for (const e of fallbacks)
      expect(e.reason).toMatch(/^learned: P\(small good enough\) = [\d.]+ < [\d.]+; fallback to tiny-gpt2 after: /);

    // the served call's trace carries the decision, fallback included; the failed upstream call is a trace too
    const fbTrace = fallbacks[0]?.traceId as string;
    const t = await waitFor("the fallback's trace", async () => {
      const [row] = await d.db
        .select()
        .from(schema.traces)
        .where(and(eq(schema.traces.projectId, projectId), eq(schema.traces.id, fbTrace)));
      return row;
    });
    expect(t.metadata).toMatchObject({ deployment: "tiny-gpt2" });
    expect(t.routeDecision).toMatchObject({ router: DEMO_ROUTER, kind: "learned", target: "tiny-gpt2", large: true, fallback: true });
    const failed = await waitFor("the failed gpt-4o-mini calls", async () => {
      const [row] = await d.db
        .select({ n: sql<number>`count(*)::int` })
        .from(schema.traces)
        .where(and(eq(schema.traces.projectId, projectId), sql`${schema.traces.metadata}->>'deployment' = 'gpt-4o-mini'`));
      return (row?.n ?? 0) >= fellBack.length && row;
    });
    expect(failed.n).toBe(fellBack.length);
  });

  it("routes prompts it was not trained on: easy ones small, hard ones large", async () => {
    const reason = async (content: string) => {
      const res = await chatCompletions(
        { db: d.db, projectId },
        { model: `router:${DEMO_ROUTER}`, messages: [{ role: "user", content }], max_tokens: 4 },
      );
      expect(res.kind === "json" && res.status).toBe(200);
      return decodeURIComponent(res.headers?.["x-keel-route-reason"] ?? "");
    };
    for (const easy of ["Hello!", "What is the capital of Italy?"])
      expect(await reason(easy)).toMatch(/^learned: P\(small good enough\) = [\d.]+ >= /);
    for (const hard of [
      "Explain in depth how garbage collection works in the JVM, comparing G1, ZGC and Shenandoah, with trade-offs for latency and throughput.",
      "A store discounts an item by 20%, then raises the new price by 15%. If the final price is $92, what was the original price? Show your work step by step.",
    ])
      expect(await reason(hard)).toMatch(/^learned: P\(small good enough\) = [\d.]+ < [\d.]+; fallback to tiny-gpt2 after: /);
  });
});
