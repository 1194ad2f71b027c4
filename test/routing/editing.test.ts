import fs from "node:fs";
import path from "node:path";
import { and, desc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { createDeployment, createProvider, resolveDeployment } from "../../server/serving";
import { SYSTEM_ACTOR, setInstanceSetting } from "../../server/workspace";
import { callerFor, makeMember, makeProject } from "../factories/workspace";
import { freshDatabase, type TestDatabase } from "../helpers/db";

const FIXTURE = path.resolve(import.meta.dirname, "../fixtures/routing/sentiment-routing.jsonl");

let d: TestDatabase;
let p: Awaited<ReturnType<typeof makeProject>>;
let other: Awaited<ReturnType<typeof makeProject>>;
let viewer: Awaited<ReturnType<typeof makeMember>>;
let engineer: Awaited<ReturnType<typeof makeMember>>;
let providerId: string;
let otherProviderId: string;
const local = {
  kind: "local" as const,
  task: "chat" as const,
  modelName: "tiny-gpt2",
  modelRef: "production",
  inputPricePer1k: 0.001,
  outputPricePer1k: 0.002,
  defaults: { max_tokens: 4 },
  batching: { windowMs: 5, maxBatch: 16 },
};

beforeAll(async () => {
  d = await freshDatabase();
  // loopback targets: allowed through the instance setting (server/core/egress.ts refuses them by default)
  await setInstanceSetting(d.db, SYSTEM_ACTOR, "egress.allow", ["127.0.0.0/8"]);
  p = await makeProject(d.db);
  other = await makeProject(d.db);
  viewer = await makeMember(d.db, p.project.id, "viewer");
  engineer = await makeMember(d.db, p.project.id, "engineer");
  await createDeployment(d.db, SYSTEM_ACTOR, p.project.id, { ...local, name: "small" });
  await createDeployment(d.db, SYSTEM_ACTOR, p.project.id, { ...local, name: "large" });
  providerId = (
    await createProvider(d.db, SYSTEM_ACTOR, p.project.id, {
      name: "up",
      baseUrl: "http://127.0.0.1:9/v1",
      apiKey: "sk-old",
      timeoutMs: 500,
      maxRetries: 0,
      maxConcurrency: 2,
    })
  ).id;
  otherProviderId = (
    await createProvider(d.db, SYSTEM_ACTOR, other.project.id, {
      name: "theirs",
      baseUrl: "http://127.0.0.1:9/v1",
      timeoutMs: 500,
      maxRetries: 0,
      maxConcurrency: 2,
    })
  ).id;
  await createDeployment(d.db, SYSTEM_ACTOR, p.project.id, {
    ...local,
    kind: "provider",
    name: "remote",
    provider: "up",
    providerModel: "gpt-x",
  });
});
afterAll(async () => {
  await d?.drop();
});

const owner = () => callerFor(d.db, p.owner.principal);
// the slug, as the console sends it: services must not write it anywhere
const P = () => ({ projectId: p.project.slug });
const lastAudit = async (action: string) =>
  (
    await d.db
      .select()
      .from(schema.auditLogs)
      .where(and(eq(schema.auditLogs.projectId, p.project.id), eq(schema.auditLogs.action, action)))
      .orderBy(desc(schema.auditLogs.createdAt))
      .limit(1)
  )[0];

describe("editing providers, deployments and routers", () => {
  it("edits a provider (URL, limits, write-only key); the gateway's cached deployment sees it at once", async () => {
    const cached = await resolveDeployment(d.db, p.project.id, "remote");
    expect(cached?.providerRow?.baseUrl).toBe("http://127.0.0.1:9/v1");
    const v = await owner().serving.providers.update({
      ...P(),
      providerId,
      baseUrl: "https://llm.example.com/v1/",
      timeoutMs: 2000,
      maxRetries: 3,
      maxConcurrency: 8,
      apiKey: "sk-new",
    });
    expect(v).toMatchObject({ baseUrl: "https://llm.example.com/v1", timeoutMs: 2000, maxRetries: 3, maxConcurrency: 8, hasApiKey: true });
    expect(JSON.stringify(v)).not.toContain("sk-new");
    const fresh = await resolveDeployment(d.db, p.project.id, "remote");
    expect(fresh?.providerRow).toMatchObject({ baseUrl: "https://llm.example.com/v1", timeoutMs: 2000 });

    const audit = await lastAudit("serving.provider.update");
    expect(audit?.after).toMatchObject({ baseUrl: "https://llm.example.com/v1", timeoutMs: 2000, apiKey: "(set)" });
    expect(audit?.before).toMatchObject({ baseUrl: "http://127.0.0.1:9/v1", timeoutMs: 500 });
    expect(JSON.stringify(audit)).not.toContain("sk-new");
    expect(JSON.stringify(audit)).not.toContain(p.project.slug);

    // a field left out keeps its value; null removes the key
    const cleared = await owner().serving.providers.update({ ...P(), providerId, apiKey: null });
    expect(cleared).toMatchObject({ baseUrl: "https://llm.example.com/v1", hasApiKey: false, timeoutMs: 2000 });
  });

  it("refuses bad provider edits, other projects' providers, and non-admins", async () => {
    await expect(owner().serving.providers.update({ ...P(), providerId, baseUrl: "ftp://x" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("baseUrl"),
    });
    await expect(owner().serving.providers.update({ ...P(), providerId, timeoutMs: 5 })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(owner().serving.providers.update({ ...P(), providerId: otherProviderId, timeoutMs: 1000 })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    for (const who of [viewer, engineer])
      await expect(callerFor(d.db, who.principal).serving.providers.update({ ...P(), providerId, timeoutMs: 1000 })).rejects.toMatchObject({
        code: "FORBIDDEN",
      });
  });

  it("edits a deployment's prices, defaults and target; an inactive one stays inactive; the cache is cleared", async () => {
    expect((await resolveDeployment(d.db, p.project.id, "small"))?.inputPricePer1k).toBe(0.001);
    const row = await callerFor(d.db, engineer.principal).serving.deployments.update({
      ...P(),
      ...local,
      name: "small",
      modelRef: "staging",
      inputPricePer1k: 0.5,
      outputPricePer1k: 1.5,
      defaults: { max_tokens: 16, temperature: 0 },
    });
    expect(row).toMatchObject({ inputPricePer1k: 0.5, outputPricePer1k: 1.5, modelRef: "staging", defaults: { max_tokens: 16 } });
    expect(await resolveDeployment(d.db, p.project.id, "small")).toMatchObject({ inputPricePer1k: 0.5, modelRef: "staging" });
    const audit = await lastAudit("serving.deployment.update");
    expect(audit?.before).toMatchObject({ inputPricePer1k: 0.001, modelRef: "production" });
    expect(audit?.after).toMatchObject({ inputPricePer1k: 0.5 });
    expect(JSON.stringify(audit?.after)).not.toContain(p.project.slug);

    // a provider deployment moves to another upstream model
    const moved = await owner().serving.deployments.update({
      ...P(),
      ...local,
      kind: "provider",
      name: "remote",
      provider: "up",
      providerModel: "gpt-y",
    });
    expect(moved.providerModel).toBe("gpt-y");

    await owner().serving.deployments.update({ ...P(), ...local, name: "large", active: false });
    const edited = await owner().serving.deployments.update({ ...P(), ...local, name: "large", inputPricePer1k: 0.01 });
    expect(edited).toMatchObject({ active: false, inputPricePer1k: 0.01 });
    await owner().serving.deployments.update({ ...P(), ...local, name: "large", active: true });
  });

  it("refuses bad deployment edits and viewers", async () => {
    await expect(owner().serving.deployments.update({ ...P(), ...local, name: "small", inputPricePer1k: -1 })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("inputPricePer1k"),
    });
    await expect(
      owner().serving.deployments.update({ ...P(), ...local, kind: "provider", name: "remote", provider: "nope", providerModel: "m" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND", message: expect.stringContaining("nope") });
    await expect(owner().serving.deployments.update({ ...P(), ...local, name: "missing" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(
      callerFor(d.db, viewer.principal).serving.deployments.update({ ...P(), ...local, name: "small", inputPricePer1k: 9 }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect((await resolveDeployment(d.db, p.project.id, "small"))?.inputPricePer1k).toBe(0.5);
  });

  it("edits a router's config; refuses a missing target and viewers", async () => {
    await owner().routing.create({ ...P(), name: "r1", kind: "cascade", config: { small: "small", large: "large", checks: {} } });
    const row = await callerFor(d.db, engineer.principal).routing.update({
      ...P(),
      name: "r1",
      kind: "rules",
      config: { rules: [{ when: { type: "length", op: ">", value: 80 }, target: "large" }], default: "small", large: ["large"] },
      fallbacks: ["large"],
    });
    expect(row).toMatchObject({ kind: "rules", fallbacks: ["large"], config: { default: "small" } });
    const audit = await lastAudit("routing.router.update");
    expect(audit?.before).toMatchObject({ kind: "cascade" });
    expect(JSON.stringify(audit?.after)).not.toContain(p.project.slug);

    await expect(
      owner().routing.update({ ...P(), name: "r1", kind: "rules", config: { rules: [], default: "gone" } }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: "no deployment named gone in this project" });
    await expect(
      callerFor(d.db, viewer.principal).routing.update({ ...P(), name: "r1", kind: "cascade", config: { small: "small", large: "large" } }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect((await owner().routing.get({ ...P(), name: "r1" })).kind).toBe("rules");
  });
});

describe("api.routing.evaluate", () => {
  const ok = (i: number) => JSON.stringify({ prompt: `prompt ${i}`, small_quality: i % 2, large_quality: 1 });
  const lines = (n: number) => Array.from({ length: n }, (_, i) => ok(i));
  const evaluate = (data: string, extra: { trainFrac?: number; seed?: number } = {}) =>
    callerFor(d.db, engineer.principal).routing.evaluate({ ...P(), data, ...extra });

  /** The longest the event loop went without a 5 ms tick while `fn` ran. */
  async function maxLagDuring<T>(fn: () => Promise<T>): Promise<{ value: T; lag: number }> {
    let lag = 0;
    let last = performance.now();
    const probe = setInterval(() => {
      const now = performance.now();
      lag = Math.max(lag, now - last - 5);
      last = now;
    }, 5);
    try {
      return { value: await fn(), lag };
    } finally {
      clearInterval(probe);
    }
  }

  it("evaluates the random, length and learned routers on the sentiment set, for engineers, as the CLI does", async () => {
    const res = await evaluate(fs.readFileSync(FIXTURE, "utf8"), { trainFrac: 0.5, seed: 1 });
    expect(res).toMatchObject({ n_train: 200, n_test: 200 });
    expect(res.routers.map((r) => r.kind)).toEqual(["random", "length", "learned"]);
    const by = Object.fromEntries(res.routers.map((r) => [r.kind, r]));
    expect(by.learned?.apgr).toBeGreaterThan(by.random?.apgr ?? 1);
    for (const r of res.routers) {
      expect(r.apgr).toBeGreaterThan(0);
      expect(r.cpt50).toBeLessThanOrEqual(r.cpt80);
    }
    expect(res.curves.map((c) => c.kind)).toEqual(["random", "length", "learned"]);
    for (const c of res.curves) {
      expect(c.points.length).toBeLessThanOrEqual(101);
      expect(c.points[0]).toMatchObject({ share: 0, pgr: 0 });
      expect(c.points.at(-1)).toMatchObject({ share: 1, pgr: 1 });
    }
    expect(res).not.toHaveProperty("scores");
    // the figures of the whole computation inline, as before it moved to a worker thread: where changed, not what
    const { parseEvalJsonl, runRouterEval } = await import("../../server/routing");
    const { embedTexts } = await import("../../server/serving");
    const inline = await runRouterEval(parseEvalJsonl(fs.readFileSync(FIXTURE, "utf8")), {
      trainFrac: 0.5,
      seed: 1,
      embed: (texts) => embedTexts(texts, { model: "tiny-bert-embed" }),
      embeddingModel: "tiny-bert-embed",
      batchSize: 64,
    });
    for (const r of res.routers) expect(r).toEqual(inline.routers.map(({ curve: _c, ...x }) => x).find((x) => x.kind === r.kind));
    expect(res).toMatchObject({
      n_train: inline.n_train,
      n_test: inline.n_test,
      small_only: inline.small_only,
      large_only: inline.large_only,
    });
  }, 120_000);

  it("trains in a worker thread: the event loop keeps ticking through seconds of training", async () => {
    // 4,000 lines and 128-dimensional vectors (precomputed, as the service passes them): the
    // cross-validated training took about 4.7 s of the web thread when it ran there
    const { runOffThread } = await import("../../server/routing/eval-pool");
    const rows = Array.from({ length: 4000 }, (_, i) => ({
      line: i,
      prompt: `prompt ${i} ${"x".repeat(i % 50)}`,
      small: (i * 7919) % 100 < 40 + (i % 50) ? 0 : 1,
      large: 1,
    }));
    const { train, test } = (await import("../../server/routing/split")).trainTestSplit(rows.length, 0.5, 1);
    const prompts = [...train, ...test].map((i) => rows[i]?.prompt as string);
    const dim = 128;
    const vectors = new Float64Array(prompts.length * dim).map((_, i) => Math.sin(i * 12.9898) % 1);
    const job = { rows, trainFrac: 0.5, seed: 1, margin: 0, embeddingModel: "test", batchSize: 64, prompts, vectors, dim };
    const { value: res, lag } = await maxLagDuring(() => runOffThread(job));
    console.log(`router evaluation of 4,000 lines in a worker: max event-loop lag ${Math.round(lag)} ms`);
    expect(res?.routers.map((r) => r.kind)).toEqual(["random", "length", "learned"]);
    expect(lag).toBeLessThan(400);
  }, 120_000);

  it("needs the engineer role, and runs one evaluation per project at a time (409)", async () => {
    const data = lines(40).join("\n");
    await expect(callerFor(d.db, viewer.principal).routing.evaluate({ ...P(), data })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const first = evaluate(data);
    await expect(evaluate(data)).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringMatching(/already running in this project/),
    });
    expect((await first).n_train).toBe(20);
    // the slot is free again once it finished
    expect((await evaluate(data)).n_test).toBe(20);
  }, 120_000);

  it("names the line and the field of bad input, and refuses too few or too many lines", async () => {
    const bad = async (data: string, extra: { trainFrac?: number } = {}) => {
      const err = await evaluate(data, extra).then(
        () => null,
        (e) => e,
      );
      expect(err, `accepted: ${data.slice(0, 80)}`).not.toBeNull();
      return { code: err.code, message: err.message, field: err.shape?.data?.field ?? err.cause?.field };
    };
    const head = lines(3).join("\n");
    expect(await bad(`${head}\nnot json\n${lines(10).join("\n")}`)).toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/^line 4: invalid JSON/),
    });
    expect(await bad(`${head}\n{"small_quality": 0, "large_quality": 1}\n`)).toMatchObject({
      code: "BAD_REQUEST",
      message: "line 4: prompt: expected a string",
    });
    expect(await bad(`${head}\n{"prompt": "p", "small_quality": "low", "large_quality": 1}\n`)).toMatchObject({
      code: "BAD_REQUEST",
      message: "line 4: small_quality: expected a finite number",
      field: "small_quality",
    });
    expect(await bad(`${head}\n{"prompt": "p", "small_quality": 0}\n`)).toMatchObject({
      message: "line 4: large_quality: expected a finite number",
    });
    expect(await bad(`${head}\n[1, 2]\n`)).toMatchObject({ message: "line 4: expected a JSON object" });
    expect(await bad(lines(5).join("\n"))).toMatchObject({ code: "BAD_REQUEST", message: "data: need at least 10 labelled lines, got 5" });
    expect(await bad("")).toMatchObject({ code: "BAD_REQUEST", message: "data: need at least 10 labelled lines, got 0" });
    const big = `${JSON.stringify({ prompt: "x".repeat(2_100_000), small_quality: 0, large_quality: 1 })}\n`;
    expect(await bad(big)).toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/^data: 2\.1 MB is over the limit of 2 MB/),
    });
    expect(await bad(lines(20).join("\n"), { trainFrac: 1 })).toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("trainFrac"),
    });
    const flat = Array.from({ length: 12 }, (_, i) => JSON.stringify({ prompt: `p${i}`, small_quality: 1, large_quality: 1 })).join("\n");
    expect(await bad(flat)).toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("no performance gap") });
    await expect(callerFor(d.db, other.owner.principal).routing.evaluate({ ...P(), data: lines(12).join("\n") })).rejects.toMatchObject({
      code: expect.stringMatching(/NOT_FOUND|FORBIDDEN/),
    });
  });
});
