import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { ingestBatch } from "../../server/logs";
import { registerBundled } from "../../server/registry";
import {
  CANDIDATE_KINDS,
  chatCompletions,
  featureSpec,
  featureVector,
  isRouterModel,
  type RouterModel,
  trainLearned,
} from "../../server/routing";
import { createDeployment, seedDeployments } from "../../server/serving";
import { SYSTEM_ACTOR } from "../../server/workspace";
import { callerFor, makeProject } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

/**
 * The saved learned router choosing its model kind (issue 17): trained through api.routing.train from
 * rated calls, the winning candidate and every candidate's validation figures stored in
 * routers.trained, and decisions through the gateway (chatCompletions) with every stored kind,
 * including a logistic model stored the way issue 6 stored it.
 */
let d: TestDatabase;
let p: Awaited<ReturnType<typeof makeProject>>;

const HARD = ["Prove that", "Derive a closed form showing", "Give a rigorous proof that", "Show step by step why"];
const FACTS = ["the sum of the first {n} odd numbers is a square", "{n} squared minus one factors", "every prime above {n} is odd"];
const EASY = ["Say hello to", "Wish a good morning to", "Say thanks to", "Greet"];
const NAMES = ["Ana", "Bo", "Chen", "Dara", "Eli", "Femi", "Gus", "Hana", "Ivo", "Jun"];
const N = 260; // at least MIN_SELECTION_ITEMS (250): a validation slice large enough to choose on

function prompt(i: number): { content: string; good: boolean } {
  const hard = i % 5 < 2; // 40% need the large model
  if (hard) {
    const fact = (FACTS[i % 3] as string).replace("{n}", String(3 + (i % 17)));
    return { content: `${HARD[i % 4]} ${fact}.`, good: false };
  }
  return { content: `${EASY[i % 4]} ${NAMES[i % 10]} from team ${i % 13}.`, good: true };
}

beforeAll(async () => {
  d = await freshRuntimeDatabase();
  p = await makeProject(d.db);
  await registerBundled(d.db, SYSTEM_ACTOR, p.project.id, path.resolve("models"));
  await seedDeployments(d.db, SYSTEM_ACTOR, p.project.id);
  await createDeployment(d.db, SYSTEM_ACTOR, p.project.id, {
    kind: "local",
    task: "chat",
    modelName: "tiny-gpt2",
    modelRef: "production",
    defaults: { max_tokens: 4 },
    batching: { windowMs: 5, maxBatch: 16 },
    name: "gpt2-large",
    inputPricePer1k: 0.002,
    outputPricePer1k: 0.004,
  });
  const events: unknown[] = [];
  for (let i = 0; i < N; i++) {
    const { content, good } = prompt(i);
    events.push(
      { type: "trace", id: `c-${i}`, body: { input: [{ role: "user", content }], metadata: { deployment: "tiny-gpt2" } } },
      { type: "rating", id: `c-${i}-rating`, body: { traceId: `c-${i}`, name: "user-feedback", value: good } },
    );
  }
  const res = await ingestBatch(d.db, p.project.id, events, { source: "api" });
  expect(res.every((r) => r.status < 300)).toBe(true);
});
afterAll(async () => {
  await d?.drop();
});

const api = () => callerFor(d.db, p.owner.principal);
const P = () => ({ projectId: p.project.id });
const router = (config: Record<string, unknown>) => ({
  ...P(),
  name: "chooser",
  kind: "learned" as const,
  config: { small: "tiny-gpt2", large: "gpt2-large", ...config },
});
const stored = async () =>
  (
    await d.db
      .select()
      .from(schema.routers)
      .where(and(eq(schema.routers.projectId, p.project.id), eq(schema.routers.name, "chooser")))
  )[0]?.trained as RouterModel | null;

async function route(content: string) {
  const res = await chatCompletions(
    { db: d.db, projectId: p.project.id },
    { model: "router:chooser", messages: [{ role: "user", content }], max_tokens: 4 },
  );
  if (res.kind !== "json") throw new Error(`expected a JSON answer, got ${res.kind}`);
  return {
    status: res.status,
    target: res.headers?.["x-keel-route-target"],
    reason: decodeURIComponent(res.headers?.["x-keel-route-reason"] ?? ""),
  };
}

/** Prompts of both kinds that are not in the training data. */
async function expectRoutes() {
  const hard = await route("Give a rigorous proof that the sum of the first 40 odd numbers is a square.");
  expect(hard).toMatchObject({ status: 200, target: "gpt2-large" });
  expect(hard.reason).toMatch(/^learned: P\(small good enough\) = [\d.]+ < /);
  const easy = await route("Say hello to Zed from team 99.");
  expect(easy).toMatchObject({ status: 200, target: "tiny-gpt2" });
  expect(easy.reason).toMatch(/^learned: P\(small good enough\) = [\d.]+ >= /);
}

describe("a saved learned router choosing among candidate kinds", () => {
  it("trains every candidate, stores the winner and the validation figures, and routes with the winner", async () => {
    await api().routing.create(router({}));
    const trained = await api().routing.train({ ...P(), name: "chooser", source: { kind: "ratings", goodAt: 0.5, limit: 5000 }, seed: 1 });
    const sel = trained.model.selection;
    // ratings: "large" is goodAt (0.5) and 60% of the small answers were rated good, so the slice has
    // no quality gap for APGR: log loss chooses
    expect(sel).toMatchObject({ by: "logLoss", validationItems: 52, seed: 1 });
    expect(sel?.candidates.map((c) => c.kind)).toEqual([...CANDIDATE_KINDS]);
    for (const c of sel?.candidates ?? []) expect(c.logLoss).toBeGreaterThan(0);
    const bestLoss = Math.min(...(sel?.candidates ?? []).map((c) => c.logLoss as number));
    expect(sel?.candidates.find((c) => c.kind === sel.winner)?.logLoss).toBeCloseTo(bestLoss, 12);
    expect(trained.model).toMatchObject({ trainedOn: N, metrics: { positives: N * 0.6 } });
    expect(trained.model).not.toHaveProperty("weights");

    const row = await stored();
    expect(isRouterModel(row)).toBe(true);
    expect(row?.selection).toEqual(sel);
    expect(row?.kind).toBe(trained.model.kind);
    // the API shows the model without its parameters
    const got = await api().routing.get({ ...P(), name: "chooser" });
    expect((got.trained as { selection?: unknown }).selection).toEqual(sel);
    for (const bulky of ["weights", "points", "w1", "proj", "terms"]) expect(got.trained).not.toHaveProperty(bulky);
    const [listed] = (await api().routing.list(P())).filter((r) => r.name === "chooser");
    expect(listed?.trainedSummary).toMatchObject({ trainedOn: N });
    await expectRoutes();
  });

  it.each(CANDIDATE_KINDS)("routes through the gateway with a stored %s model", async (kind) => {
    await api().routing.update(router({ candidates: [kind] }));
    const trained = await api().routing.train({ ...P(), name: "chooser", source: { kind: "ratings", goodAt: 0.5, limit: 5000 }, seed: 1 });
    expect(trained.model.selection).toMatchObject({ winner: kind, by: "single" });
    expect((await stored())?.kind).toBe(kind === "tfidf" ? "tfidf-logistic" : kind);
    await expectRoutes();
  });

  it("still serves a logistic model stored before candidates existed", async () => {
    const spec = featureSpec(null);
    const prompts = Array.from({ length: N }, (_, i) => prompt(i));
    const old = trainLearned(
      prompts.map((x) => featureVector(spec, x.content)),
      prompts.map((x) => (x.good ? 1 : 0)),
      prompts.map(() => 1),
      { featureSpec: spec, seed: 1 },
    );
    expect(old).not.toHaveProperty("selection");
    await d.db
      .update(schema.routers)
      .set({ trained: old as unknown as Record<string, unknown>, trainedAt: new Date() })
      .where(and(eq(schema.routers.projectId, p.project.id), eq(schema.routers.name, "chooser")));
    await expectRoutes();
  });

  it("refuses an unknown candidate kind in the config, naming the field", async () => {
    await expect(api().routing.update(router({ candidates: ["svm"] }))).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/^config\.candidates/),
    });
  });
});
