import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { ingestBatch } from "../../server/logs";
import { registerBundled } from "../../server/registry";
import { createDeployment, createProvider, seedDeployments } from "../../server/serving";
import { SYSTEM_ACTOR, setInstanceSetting } from "../../server/workspace";
import { callerFor, makeKey, makeProject } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { waitFor } from "../helpers/wait";
import { type KeelServer, startKeel } from "../sdk/helpers";

let d: TestDatabase;
let keel: KeelServer;
let p: Awaited<ReturnType<typeof makeProject>>;
let key: string;
const local = {
  kind: "local" as const,
  task: "chat" as const,
  modelName: "tiny-gpt2",
  modelRef: "production",
  defaults: { max_tokens: 4 },
  batching: { windowMs: 5, maxBatch: 16 },
};

beforeAll(async () => {
  d = await freshRuntimeDatabase();
  // loopback targets: allowed through the instance setting (server/core/egress.ts refuses them by default)
  await setInstanceSetting(d.db, SYSTEM_ACTOR, "egress.allow", ["127.0.0.0/8"]);
  keel = await startKeel();
  p = await makeProject(d.db);
  key = (await makeKey(d.db, p.project.id, p.owner.user.id, "engineer")).key;
  await registerBundled(d.db, SYSTEM_ACTOR, p.project.id, path.resolve("models"));
  await seedDeployments(d.db, SYSTEM_ACTOR, p.project.id);
  // the "large" model: the same weights at 20x the price, so costs and savings differ
  await createDeployment(d.db, SYSTEM_ACTOR, p.project.id, {
    ...local,
    name: "gpt2-large",
    inputPricePer1k: 0.002,
    outputPricePer1k: 0.004,
  });
  await createProvider(d.db, SYSTEM_ACTOR, p.project.id, {
    name: "dead",
    baseUrl: "http://127.0.0.1:9/v1",
    timeoutMs: 500,
    maxRetries: 0,
    maxConcurrency: 2,
  });
  await createDeployment(d.db, SYSTEM_ACTOR, p.project.id, {
    ...local,
    kind: "provider",
    name: "dead-model",
    provider: "dead",
    providerModel: "x",
    inputPricePer1k: 0,
    outputPricePer1k: 0,
  });
});
afterAll(async () => {
  await keel?.close();
  await d?.drop();
});

const api = () => callerFor(d.db, p.owner.principal);
const P = () => ({ projectId: p.project.id });
async function chat(model: string, content: string, user?: string) {
  const res = await fetch(`${keel.url}/api/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content }], max_tokens: 4, user }),
  });
  const body = (await res.json()) as { choices?: { message: { content: string } }[]; error?: { message: string; code: string } };
  return {
    status: res.status,
    body,
    target: res.headers.get("x-keel-route-target"),
    cache: res.headers.get("x-keel-cache"),
    reason: decodeURIComponent(res.headers.get("x-keel-route-reason") ?? ""),
  };
}

describe("routers at the gateway", () => {
  it("routes by rules, splits sticky by user, and escalates a cascade whose check fails", async () => {
    await api().routing.create({
      ...P(),
      name: "by-length",
      kind: "rules",
      config: {
        rules: [{ when: { type: "length", op: ">", value: 40 }, target: "gpt2-large", name: "long" }],
        default: "tiny-gpt2",
        large: ["gpt2-large"],
      },
    });
    const hi = await chat("router:by-length", "Hi there");
    expect(hi, JSON.stringify(hi.body)).toMatchObject({ status: 200, target: "tiny-gpt2" });
    const long = await chat("router:by-length", "Please write a long and careful answer about the history of otters");
    expect(long).toMatchObject({ status: 200, target: "gpt2-large" });
    expect(long.reason).toMatch(/long/);

    await api().routing.create({
      ...P(),
      name: "canary",
      kind: "split",
      config: {
        targets: [
          { target: "tiny-gpt2", weight: 50 },
          { target: "gpt2-large", weight: 50, large: true },
        ],
      },
    });
    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) seen.add((await chat("router:canary", `hello ${i}`, "user-42")).target as string);
    expect(seen.size).toBe(1);

    await api().routing.create({
      ...P(),
      name: "cascade",
      kind: "cascade",
      config: { small: "tiny-gpt2", large: "gpt2-large", checks: { regex: "^NEVER$" } },
    });
    const esc = await chat("router:cascade", "Say something");
    expect(esc).toMatchObject({ status: 200, target: "gpt2-large" });
    expect(esc.reason).toMatch(/^cascade: escalated \(answer does not match/);
    await api().routing.update({
      ...P(),
      name: "cascade",
      kind: "cascade",
      config: { small: "tiny-gpt2", large: "gpt2-large", checks: {} },
    });
    expect(await chat("router:cascade", "Say something")).toMatchObject({ target: "tiny-gpt2" });

    // the decision rides on the call's trace
    const events = await waitFor("route events", async () => {
      const rows = await d.db.select().from(schema.routeEvents).where(eq(schema.routeEvents.projectId, p.project.id));
      return rows.length >= 7 ? rows : undefined;
    });
    const withTrace = events.find((e) => e.traceId && e.target === "gpt2-large");
    const trace = await waitFor(
      "the routed trace",
      async () =>
        (
          await d.db
            .select()
            .from(schema.traces)
            .where(eq(schema.traces.id, withTrace?.traceId as string))
        )[0],
    );
    expect(trace.routeDecision).toMatchObject({ router: expect.any(String), target: "gpt2-large", large: true });
  });

  it("falls back on a dead target, caches exact repeats, and shows it all on the dashboard", async () => {
    await api().routing.create({
      ...P(),
      name: "safe",
      kind: "rules",
      config: { rules: [], default: "dead-model", large: ["gpt2-large"] },
      fallbacks: ["tiny-gpt2"],
      cache: { exact: true, semantic: null, ttlSeconds: 600 },
    });
    const first = await chat("router:safe", "What do otters eat?");
    expect(first).toMatchObject({ status: 200, target: "tiny-gpt2", cache: "miss" });
    expect(first.reason).toMatch(/fallback to tiny-gpt2/);
    await waitFor("the cache entry", async () => (await d.db.select().from(schema.routeCache)).at(0));
    const again = await chat("router:safe", "What do otters eat?");
    expect(again).toMatchObject({ status: 200, cache: "exact" });
    expect(again.body.choices?.[0]?.message.content).toBe(first.body.choices?.[0]?.message.content);

    const stats = await waitFor("stats", async () => {
      const s = await api().routing.stats({ ...P(), name: "by-length", hours: 1 });
      return s.totals.calls >= 2 ? s : undefined;
    });
    expect(stats.totals).toMatchObject({ calls: 2, large: 1, largeShare: 0.5 });
    expect(stats.totals.largeCost).toBeGreaterThan(stats.totals.cost);
    expect(stats.totals.saved).toBeCloseTo(stats.totals.largeCost - stats.totals.cost, 12);
    expect(stats.byTarget.map((t) => t.target).sort()).toEqual(["gpt2-large", "tiny-gpt2"]);
    const safe = await api().routing.stats({ ...P(), name: "safe", hours: 1 });
    expect(safe.totals).toMatchObject({ calls: 2, exactHits: 1, fallbacks: 1 });
  });

  it("reuses an answer for a near-identical prompt (semantic cache), not for an unrelated one", async () => {
    await api().routing.create({
      ...P(),
      name: "semantic",
      kind: "rules",
      config: { rules: [], default: "tiny-gpt2" },
      cache: { exact: false, semantic: 0.97, ttlSeconds: 600 },
    });
    const first = await chat("router:semantic", "What do sea otters like to eat?");
    expect(first).toMatchObject({ status: 200, cache: "miss" });
    await waitFor("the cache entry", async () =>
      (await d.db.select().from(schema.routeCache).where(eq(schema.routeCache.projectId, p.project.id))).find((r) => r.embedding !== null),
    );
    const near = await chat("router:semantic", "What do sea otters like to eat");
    expect(near).toMatchObject({ status: 200, cache: "semantic" });
    expect(near.body.choices?.[0]?.message.content).toBe(first.body.choices?.[0]?.message.content);
    expect(await chat("router:semantic", "Explain the tax law of Germany in detail")).toMatchObject({ status: 200, cache: "miss" });
  });

  it("trains a learned router from ratings and serves with it; refuses until trained", async () => {
    await api().routing.create({ ...P(), name: "learned", kind: "learned", config: { small: "tiny-gpt2", large: "gpt2-large" } });
    const untrained = await chat("router:learned", "hello");
    expect(untrained).toMatchObject({ status: 409, body: { error: { code: "router_not_trained" } } });
    await expect(api().routing.train({ ...P(), name: "learned", source: { kind: "ratings" } } as never)).rejects.toMatchObject({
      message: expect.stringMatching(/has 0 rated calls answered by tiny-gpt2; it needs at least 10/),
    });

    // 40 calls the small model answered, rated: short questions good, long requests bad
    const events: unknown[] = [];
    for (let i = 0; i < 40; i++) {
      const good = i % 2 === 0;
      const content = good
        ? `What is ${i} plus ${i}?`
        : `Write a detailed essay of ${i} paragraphs about the economic history of the Hanseatic League and its trade routes`;
      events.push(
        { type: "trace", id: `r-${i}`, body: { input: [{ role: "user", content }], metadata: { deployment: "tiny-gpt2" } } },
        { type: "rating", id: `r-${i}-rating`, body: { traceId: `r-${i}`, name: "user-feedback", value: good } },
      );
    }
    const res = await ingestBatch(d.db, p.project.id, events, { source: "api" });
    expect(res.every((r) => r.status < 300)).toBe(true);
    const trained = await api().routing.train({ ...P(), name: "learned", source: { kind: "ratings", goodAt: 0.5, limit: 5000 }, seed: 1 });
    expect(trained.model).toMatchObject({ kind: "logistic", trainedOn: 40, metrics: { positives: 20 } });
    expect(trained.model.metrics.trainAccuracy).toBeGreaterThan(0.9);

    expect(await chat("router:learned", "What is 7 plus 7?")).toMatchObject({ status: 200, target: "tiny-gpt2" });
    const essay = await chat(
      "router:learned",
      "Write a detailed essay of 12 paragraphs about the economic history of the Hanseatic League and its trade routes",
    );
    expect(essay).toMatchObject({ status: 200, target: "gpt2-large" });
    expect(essay.reason).toMatch(/^learned: P\(small good enough\)/);

    await expect(api().routing.train({ ...P(), name: "by-length", source: { kind: "ratings" } } as never)).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });

  it("refuses bad routers, naming what is wrong", async () => {
    await expect(
      api().routing.create({ ...P(), name: "x", kind: "rules", config: { rules: [], default: "nope" } } as never),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "no deployment named nope in this project",
    });
    await expect(api().routing.create({ ...P(), name: "x", kind: "split", config: { targets: [] } } as never)).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/^config\.targets:/),
    });
    await expect(
      api().routing.create({ ...P(), name: "by-length", kind: "rules", config: { rules: [], default: "tiny-gpt2" } } as never),
    ).rejects.toMatchObject({
      code: "CONFLICT",
    });
    expect(await chat("router:missing", "hi")).toMatchObject({ status: 404, body: { error: { code: "model_not_found" } } });
    // the kind's config schema (server/routing/inputs.ts, the console's form checks the same) names the part that is wrong
    await expect(
      api().routing.create({
        ...P(),
        name: "x",
        kind: "rules",
        config: { rules: [{ when: { type: "regex", pattern: "(" }, target: "tiny-gpt2" }], default: "tiny-gpt2" },
      } as never),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "config.rules.0.when.pattern: not a valid regular expression",
      cause: { field: "config.rules.0.when.pattern" },
    });
    await expect(
      api().routing.create({ ...P(), name: "x", kind: "rules", config: { rules: [], default: " " } } as never),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: "config.default: pick a deployment" });
    await expect(
      api().routing.train({ ...P(), name: "by-length", source: { kind: "ratings" }, targetLargeShare: 2 } as never),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("the target share of large calls is between 0 and 1"),
    });
  });
});
