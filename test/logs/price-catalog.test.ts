import { and, eq } from "drizzle-orm";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { dispatch } from "../../server/http/dispatch";
import { ingestBatch } from "../../server/logs";
import { CATALOG_DATE, catalogPrice, PRICE_CATALOG } from "../../server/logs/price-catalog";
import { callCost, priceLookup } from "../../server/logs/prices";
import { createDeployment, createProvider } from "../../server/serving";
import { SYSTEM_ACTOR, setInstanceSetting } from "../../server/workspace";
import { callerFor, makeKey, makeProject, req } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { waitFor } from "../helpers/wait";
import { startFakeOpenAI } from "../sdk/fake-openai";
import { type KeelServer, startKeel } from "../sdk/helpers";

describe("the built-in price catalogue", () => {
  it.each([
    ["gpt-4o", "gpt-4o", 2.5, 10],
    ["gpt-4o-2024-08-06", "gpt-4o", 2.5, 10],
    ["gpt-4o-2024-05-13", "gpt-4o-2024-05-13", 5, 15],
    ["gpt-4o-mini-2024-07-18", "gpt-4o-mini", 0.15, 0.6],
    ["openai/gpt-4.1-mini", "gpt-4.1-mini", 0.4, 1.6],
    ["o3-mini-2025-01-31", "o3-mini", 1.1, 4.4],
    ["gpt-4-0613", "gpt-4", 30, 60],
    ["text-embedding-3-small", "text-embedding-3-small", 0.02, 0],
    ["claude-3-5-sonnet-20241022", "claude-3-5-sonnet", 3, 15],
    ["anthropic/claude-3.5-sonnet", "claude-3.5-sonnet", 3, 15],
    ["us.anthropic.claude-3-5-haiku-20241022-v1:0", "claude-3-5-haiku", 0.8, 4],
    ["claude-3-5-sonnet@20240620", "claude-3-5-sonnet", 3, 15],
    ["claude-sonnet-4-20250514", "claude-sonnet-4", 3, 15],
    ["claude-sonnet-4-5-20250929", "claude-sonnet-4-5", 3, 15],
    ["claude-opus-4-1-20250805", "claude-opus-4-1", 15, 75],
    ["models/gemini-1.5-pro-002", "gemini-1.5-pro", 1.25, 5],
    ["gemini-2.5-flash-lite-preview-06-17", "gemini-2.5-flash-lite", 0.1, 0.4],
    ["Gemini-2.5-Flash", "gemini-2.5-flash", 0.3, 2.5],
    ["mistral-large-latest", "mistral-large", 2, 6],
    ["codestral-2501", "codestral", 0.3, 0.9],
  ])("prices %s as %s (longest pattern wins, dated suffixes match)", (model, match, input, output) => {
    expect(catalogPrice(model)).toMatchObject({ match, inputPerMillion: input, outputPerMillion: output });
  });

  it.each(["gpt-4.5-preview", "claude-3", "gpt-4oo", "my-fine-tune", "llama-3-70b", ""])("prices nothing for %j", (model) => {
    expect(catalogPrice(model)).toBeNull();
  });

  it("finds every entry by its own name, once, dated", () => {
    const names = PRICE_CATALOG.map((p) => p.match);
    expect(new Set(names).size).toBe(names.length);
    for (const p of PRICE_CATALOG) expect(catalogPrice(p.match)).toBe(p);
    expect(CATALOG_DATE).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("comes after the project's own prices: exact names, then patterns, then the catalogue", () => {
    const cost = priceLookup([
      { id: "1", match: "/^gpt-4o/", inputPerMillion: 1, outputPerMillion: 1 },
      { id: "2", match: "gpt-4o-mini", inputPerMillion: 2, outputPerMillion: 2 },
    ]);
    expect(cost("gpt-4o-mini", 1_000_000, 0)).toBe(2);
    expect(cost("gpt-4o-2024-08-06", 1_000_000, 0)).toBe(1);
    expect(cost("claude-3-haiku-20240307", 1_000_000, 1_000_000)).toBeCloseTo(1.5, 12);
    expect(cost("unknown-model", 10, 10)).toBeNull();
    expect(priceLookup([], { catalog: false })("gpt-4o", 10, 10)).toBeNull();
  });

  it("puts a deployment's own prices (per 1k tokens) before both, and a deployment priced at 0 after them", () => {
    const lookup = priceLookup([{ id: "1", match: "gpt-4o", inputPerMillion: 5, outputPerMillion: 5 }]);
    expect(callCost({ inputPricePer1k: 0.01, outputPricePer1k: 0.03 }, "gpt-4o", 1000, 1000, lookup)).toBeCloseTo(0.04, 12);
    expect(callCost({ inputPricePer1k: 0, outputPricePer1k: 0 }, "gpt-4o", 1000, 1000, lookup)).toBeCloseTo(0.01, 12);
    expect(callCost(null, "gpt-4o-mini", 1_000_000, 0, lookup)).toBeCloseTo(0.15, 12);
    expect(callCost(null, null, 1000, 1000, lookup)).toBeNull();
  });
});

describe("costs at ingest and recomputed", () => {
  let d: TestDatabase;
  let keel: KeelServer;
  let fake: Awaited<ReturnType<typeof startFakeOpenAI>>;
  let projectId: string;
  let owner: Awaited<ReturnType<typeof makeProject>>["owner"];
  let engineerKey: string;
  let viewerKey: string;

  beforeAll(async () => {
    d = await freshRuntimeDatabase();
    await setInstanceSetting(d.db, SYSTEM_ACTOR, "egress.allow", ["127.0.0.0/8"]);
    keel = await startKeel();
    fake = await startFakeOpenAI();
    const p = await makeProject(d.db);
    projectId = p.project.id;
    owner = p.owner;
    engineerKey = (await makeKey(d.db, projectId, owner.user.id, "engineer")).key;
    viewerKey = (await makeKey(d.db, projectId, owner.user.id, "viewer")).key;
    await createProvider(d.db, SYSTEM_ACTOR, projectId, {
      name: "up",
      baseUrl: fake.url,
      timeoutMs: 5000,
      maxRetries: 0,
      maxConcurrency: 4,
    });
    const dep = {
      kind: "provider" as const,
      task: "chat" as const,
      modelRef: "production",
      defaults: {},
      batching: { windowMs: 5, maxBatch: 16 },
    };
    await createDeployment(d.db, SYSTEM_ACTOR, projectId, {
      ...dep,
      name: "priced",
      provider: "up",
      providerModel: "gpt-4o-mini",
      inputPricePer1k: 1,
      outputPricePer1k: 2,
    });
    await createDeployment(d.db, SYSTEM_ACTOR, projectId, {
      ...dep,
      name: "unpriced",
      provider: "up",
      providerModel: "gpt-4o-mini",
      inputPricePer1k: 0,
      outputPricePer1k: 0,
    });
  });
  afterAll(async () => {
    await keel?.close();
    await fake?.close();
    await d?.drop();
  });

  const generation = (id: string, model: string, at: string, usage = { input: 1000, output: 500 }) => [
    { type: "trace", id, body: { timestamp: at } },
    { type: "observation", id: `${id}-gen`, body: { traceId: id, type: "generation", model, startTime: at, usage } },
  ];
  const obs = async (traceId: string) => {
    const [o] = await d.db
      .select()
      .from(schema.observations)
      .where(and(eq(schema.observations.projectId, projectId), eq(schema.observations.traceId, traceId)));
    const [t] = await d.db
      .select()
      .from(schema.traces)
      .where(and(eq(schema.traces.projectId, projectId), eq(schema.traces.id, traceId)));
    return { cost: o?.cost, traceCost: t?.cost };
  };
  const recompute = (body: unknown, key = engineerKey) => dispatch(req("/api/v1/prices/recompute", { method: "POST", key, json: body }));

  it("prices a generation without a reported cost from the catalogue, and from the project's table once it has a match", async () => {
    await ingestBatch(d.db, projectId, generation("cat-1", "claude-3-5-haiku-20241022", "2026-01-10T10:00:00Z"), { source: "api" });
    expect((await obs("cat-1")).cost).toBeCloseTo((1000 * 0.8 + 500 * 4) / 1e6, 12);
    await callerFor(d.db, owner.principal).logs.prices.upsert({
      projectId,
      match: "/^claude-3-5/",
      inputPerMillion: 1,
      outputPerMillion: 1,
    });
    await ingestBatch(d.db, projectId, generation("cat-2", "claude-3-5-haiku-20241022", "2026-01-10T11:00:00Z"), { source: "api" });
    expect((await obs("cat-2")).cost).toBeCloseTo(1500 / 1e6, 12);
  });

  it("recomputes [from, to) from the current prices, rolls the traces up again, and leaves the rest", async () => {
    await ingestBatch(d.db, projectId, generation("old-1", "gpt-4o", "2026-02-01T00:00:00Z"), { source: "api" });
    await ingestBatch(d.db, projectId, generation("old-2", "gpt-4o-2024-08-06", "2026-02-01T12:00:00Z"), { source: "api" });
    await ingestBatch(d.db, projectId, generation("later", "gpt-4o", "2026-02-02T00:00:00Z"), { source: "api" });
    const catalogCost = (1000 * 2.5 + 500 * 10) / 1e6;
    expect(await obs("old-1")).toEqual({ cost: catalogCost, traceCost: catalogCost });
    await callerFor(d.db, owner.principal).logs.prices.upsert({ projectId, match: "/^gpt-4o/", inputPerMillion: 10, outputPerMillion: 10 });

    const res = await recompute({ from: "2026-02-01T00:00:00Z", to: "2026-02-02T00:00:00Z" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ updated: 2, traces: 2 });
    expect(await obs("old-1")).toEqual({ cost: 0.015, traceCost: 0.015 });
    expect(await obs("old-2")).toEqual({ cost: 0.015, traceCost: 0.015 });
    // `to` is exclusive: the call at 2026-02-02T00:00 kept its cost
    expect((await obs("later")).cost).toBe(catalogCost);
    // nothing changed since: nothing to update
    expect(await (await recompute({ from: "2026-02-01T00:00:00Z", to: "2026-02-02T00:00:00Z" })).json()).toEqual({ updated: 0, traces: 0 });
    const [audit] = await d.db.select().from(schema.auditLogs).where(eq(schema.auditLogs.action, "logs.cost.recompute"));
    expect(audit?.after).toMatchObject({ updated: 2, traces: 2 });
  });

  it("keeps a gateway call's deployment price over the project's; a deployment priced at 0 takes the project's", async () => {
    const openai = new OpenAI({ apiKey: engineerKey, baseURL: `${keel.url}/api/v1`, maxRetries: 0 });
    const from = new Date(Date.now() - 1000).toISOString();
    const a = await openai.chat.completions.create({ model: "priced", messages: [{ role: "user", content: "hi" }] }).withResponse();
    const b = await openai.chat.completions.create({ model: "unpriced", messages: [{ role: "user", content: "hi" }] }).withResponse();
    const ids = [a.response.headers.get("x-keel-trace-id"), b.response.headers.get("x-keel-trace-id")] as string[];
    for (const id of ids) await waitFor(`trace ${id}`, async () => (await obs(id)).cost !== undefined);
    // logged: the priced deployment by its own prices; the one priced at 0 by the project's table
    // (the earlier test's /^gpt-4o/ at 10 per million), not as free
    expect((await obs(ids[0] as string)).cost).toBeCloseTo((12 * 1 + 3 * 2) / 1000, 12);
    expect((await obs(ids[1] as string)).cost).toBeCloseTo((15 * 10) / 1e6, 12);
    await callerFor(d.db, owner.principal).logs.prices.upsert({
      projectId,
      match: "gpt-4o-mini",
      inputPerMillion: 100,
      outputPerMillion: 100,
    });

    const res = await recompute({ from, to: new Date(Date.now() + 1000).toISOString() });
    expect(res.status).toBe(200);
    // fake upstream usage: 12 prompt and 3 completion tokens
    expect((await obs(ids[0] as string)).cost).toBeCloseTo((12 * 1 + 3 * 2) / 1000, 12);
    expect((await obs(ids[1] as string)).cost).toBeCloseTo((15 * 100) / 1e6, 12);
  });

  it("refuses a viewer (403), a range that ends before it starts and a date without an offset (400 naming the field), writing nothing", async () => {
    const range = { from: "2026-02-01T00:00:00Z", to: "2026-02-02T00:00:00Z" };
    const before = await obs("old-1");
    const viewer = await recompute(range, viewerKey);
    expect(viewer.status).toBe(403);
    const backwards = await recompute({ from: range.to, to: range.from });
    expect(backwards.status).toBe(400);
    expect(((await backwards.json()) as { error: { field: string } }).error.field).toBe("to");
    const naive = await recompute({ from: "2026-02-01T00:00:00", to: range.to });
    expect(((await naive.json()) as { error: { field: string } }).error.field).toBe("from");
    expect(await obs("old-1")).toEqual(before);
  });

  it("lists the catalogue with its date at GET /api/v1/prices/catalog", async () => {
    const res = await dispatch(req("/api/v1/prices/catalog", { key: viewerKey }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { date: string; prices: { match: string; provider: string }[] };
    expect(body.date).toBe(CATALOG_DATE);
    expect(body.prices).toContainEqual(expect.objectContaining({ match: "gpt-4o-mini", provider: "openai", inputPerMillion: 0.15 }));
  });
});
