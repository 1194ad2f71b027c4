import { and, eq, sql } from "drizzle-orm";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { admitKeyCall, type GatewayError, resetKeyLimits, syncKeyLimits } from "../../server/routing";
import { createDeployment, createProvider } from "../../server/serving";
import { createKey, SYSTEM_ACTOR, setInstanceSetting, updateKeyLimits } from "../../server/workspace";
import { callerFor, makeKey, makeProject } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { runKeel } from "../helpers/keel-cli";
import { waitFor } from "../helpers/wait";
import { startFakeOpenAI } from "../sdk/fake-openai";
import { type KeelServer, startKeel } from "../sdk/helpers";

/**
 * Gateway keys with limits (issue 20): budgets, requests and tokens per minute, allowed deployments
 * and expiry, enforced by the real gateway over the real database; the spend is written with the trace.
 */

let d: TestDatabase;
let keel: KeelServer;
let fake: Awaited<ReturnType<typeof startFakeOpenAI>>;
let projectId: string;
let ownerId: string;
let owner: Awaited<ReturnType<typeof makeProject>>["owner"]["principal"];
let ownerKey: string;
/** the fake upstream answers 12 prompt + 3 completion tokens; `mini` prices them at 0.15 / 0.6 USD per 1k */
const CALL_COST = (12 * 0.15 + 3 * 0.6) / 1000;

beforeAll(async () => {
  d = await freshRuntimeDatabase();
  await setInstanceSetting(d.db, SYSTEM_ACTOR, "egress.allow", ["127.0.0.0/8"]);
  keel = await startKeel();
  fake = await startFakeOpenAI();
  const p = await makeProject(d.db);
  projectId = p.project.id;
  ownerId = p.owner.user.id;
  owner = p.owner.principal;
  ownerKey = (await makeKey(d.db, projectId, ownerId, "owner")).key;
  await createProvider(d.db, SYSTEM_ACTOR, projectId, {
    name: "upstream",
    baseUrl: fake.url,
    apiKey: "up-secret",
    timeoutMs: 5000,
    maxRetries: 1,
    maxConcurrency: 4,
  });
  const dep = {
    kind: "provider" as const,
    task: "chat" as const,
    modelRef: "production",
    defaults: {},
    batching: { windowMs: 5, maxBatch: 16 },
  };
  for (const name of ["mini", "other"])
    await createDeployment(d.db, SYSTEM_ACTOR, projectId, {
      ...dep,
      name,
      provider: "upstream",
      providerModel: "gpt-4o-mini",
      inputPricePer1k: 0.15,
      outputPricePer1k: 0.6,
    });
});
afterAll(async () => {
  await keel?.close();
  await fake?.close();
  await d?.drop();
});
beforeEach(() => resetKeyLimits());
beforeAll(async () => {
  // a webhook on the budget event: its deliveries are recorded with the write that announces it
  await callerFor(d.db, owner).registry.webhooks.create({ projectId, url: "http://127.0.0.1:9/hook", events: ["key.budget_exceeded"] });
});

async function limitedKey(limits: Parameters<typeof createKey>[3] extends infer I ? Omit<I, "name" | "kind"> : never) {
  const { key, view } = await createKey(
    d.db,
    { userId: ownerId, keyId: null },
    { projectId, role: "engineer" },
    { name: `limited ${Math.random()}`, kind: "secret", ...limits },
  );
  return { key, id: view.id };
}

/** One raw chat call: status, headers and the OpenAI-shaped body. */
async function chat(key: string, model = "mini") {
  const res = await fetch(`${keel.url}/api/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "Capital of France?" }] }),
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as Record<string, { code?: string; type?: string; message?: string }>,
  };
}

/** The `key.budget_exceeded` webhook deliveries recorded for a key (its payload is the body's `data`). */
const budgetAlerts = (keyId: string) =>
  d.db
    .select({ payload: schema.webhookDeliveries.payload })
    .from(schema.webhookDeliveries)
    .where(
      and(
        eq(schema.webhookDeliveries.projectId, projectId),
        eq(schema.webhookDeliveries.event, "key.budget_exceeded"),
        sql`${schema.webhookDeliveries.payload}->>'keyId' = ${keyId}`,
      ),
    )
    .then((rows) => rows.map((r) => r.payload as Record<string, unknown>));

const spendRow = (keyId: string) =>
  d.db
    .select({
      requests: sql<number>`coalesce(sum(${schema.keySpend.requests}), 0)`.mapWith(Number),
      cost: sql<number>`coalesce(sum(${schema.keySpend.cost}), 0)`.mapWith(Number),
    })
    .from(schema.keySpend)
    .where(eq(schema.keySpend.keyId, keyId))
    .then((r) => r[0] ?? { requests: 0, cost: 0 });

/** Wait until `n` calls of the key are committed (its spend is written with their traces). */
const committed = (keyId: string, n: number) =>
  waitFor(`${n} calls of the key in key_spend`, async () => ((await spendRow(keyId)).requests >= n ? true : undefined));

describe("a key's spend budget", () => {
  it("refuses with 429 budget_exceeded once a hard daily budget is spent, in this process and a fresh one", async () => {
    const k = await limitedKey({ budgetUsd: 0.01, budgetPeriod: "day", budgetMode: "hard" });
    const ok: number[] = [];
    for (let i = 1; i <= 3; i++) {
      const r = await chat(k.key);
      ok.push(r.status);
      await committed(k.id, i);
      if (i === 1) {
        expect(r.headers.get("x-keel-budget-limit-usd")).toBe("0.01");
        expect(Number(r.headers.get("x-keel-budget-remaining-usd"))).toBeCloseTo(0.01, 9);
      }
    }
    expect(ok).toEqual([200, 200, 200]); // 3 calls: 0.0108 USD, the third admitted at 0.0072
    const refused = await chat(k.key);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: "budget_exceeded", type: "insufficient_quota" });
    expect(refused.body.error?.message).toContain("daily budget of $0.01");
    const retry = Number(refused.headers.get("retry-after"));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(86_400);

    // the spend was written with the traces: the same calls, the same cost
    const [t] = await d.db
      .select({ n: sql<number>`count(*)`.mapWith(Number), cost: sql<number>`sum(${schema.traces.cost})`.mapWith(Number) })
      .from(schema.traces)
      .where(and(eq(schema.traces.projectId, projectId), eq(schema.traces.apiKeyId, k.id)));
    const spend = await spendRow(k.id);
    expect(t?.n).toBe(3);
    expect(spend.cost).toBeCloseTo(t?.cost ?? -1, 12);
    expect(spend.cost).toBeCloseTo(3 * CALL_COST, 12);

    // the crossing is announced once, as a key.budget_exceeded webhook event
    const [alert] = await waitFor("a key.budget_exceeded delivery", async () => {
      await syncKeyLimits();
      const a = await budgetAlerts(k.id);
      return a.length ? a : undefined;
    });
    expect(alert).toMatchObject({ keyId: k.id, budgetUsd: 0.01, budgetPeriod: "day", budgetMode: "hard" });
    expect(alert?.spentUsd).toBeCloseTo(3 * CALL_COST, 6);
    expect(new Date(String(alert?.renewsAt)).getTime() - new Date(String(alert?.periodStart)).getTime()).toBe(86_400_000);

    // a fresh process (no counts in memory) reads the spend before its first decision
    resetKeyLimits();
    expect((await chat(k.key)).status).toBe(429);
    // ... and does not announce the same period again
    await syncKeyLimits();
    expect(await budgetAlerts(k.id)).toHaveLength(1);

    // the official client sees OpenAI's error shape
    const openai = new OpenAI({ apiKey: k.key, baseURL: `${keel.url}/api/v1`, maxRetries: 0 });
    const err = await openai.chat.completions.create({ model: "mini", messages: [{ role: "user", content: "hi" }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.code).toBe("budget_exceeded");
  });

  it("answers past a soft budget and flags it", async () => {
    const k = await limitedKey({ budgetUsd: 0.005, budgetMode: "soft" });
    expect((await chat(k.key)).status).toBe(200);
    await committed(k.id, 1);
    const over = await chat(k.key);
    await committed(k.id, 2);
    expect(over.status).toBe(200);
    expect(over.headers.get("x-keel-budget-exceeded")).toBeNull(); // 0.0036 spent before it: under
    const flagged = await chat(k.key);
    expect(flagged.status).toBe(200);
    expect(flagged.headers.get("x-keel-budget-exceeded")).toBe("soft");
    expect(flagged.headers.get("x-keel-budget-remaining-usd")).toBe("0");
    // announced once (soft budgets too: the event is how a team hears of it)
    await committed(k.id, 3);
    await syncKeyLimits();
    await syncKeyLimits();
    expect(await budgetAlerts(k.id)).toEqual([expect.objectContaining({ keyId: k.id, budgetMode: "soft", budgetPeriod: "month" })]);
    // a raised budget is announced again once the new one is spent (0.0108 spent; 3 more calls pass 0.02)
    await updateKeyLimits(d.db, { userId: ownerId, keyId: null }, { projectId, role: "owner" }, { keyId: k.id, budgetUsd: 0.02 });
    expect((await chat(k.key)).headers.get("x-keel-budget-exceeded")).toBeNull();
    for (let i = 5; i <= 6; i++) await chat(k.key);
    await committed(k.id, 6);
    await syncKeyLimits();
    await syncKeyLimits();
    const alerts = await budgetAlerts(k.id);
    expect(alerts.map((a) => a.budgetUsd)).toEqual([0.005, 0.02]);
  });
});

describe("requests and tokens per minute", () => {
  it("counts requests, answers OpenAI's x-ratelimit headers and refuses the one over with Retry-After", async () => {
    const k = await limitedKey({ rpm: 3 });
    const remaining: (string | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await chat(k.key);
      expect(r.status).toBe(200);
      expect(r.headers.get("x-ratelimit-limit-requests")).toBe("3");
      remaining.push(r.headers.get("x-ratelimit-remaining-requests"));
    }
    expect(remaining).toEqual(["2", "1", "0"]);
    const refused = await chat(k.key);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: "rate_limit_exceeded", type: "requests" });
    expect(refused.body.error?.message).toContain("Limit 3");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused.headers.get("x-ratelimit-remaining-requests")).toBe("0");
  });

  it("says in Retry-After when the sliding minute frees a request", async () => {
    const k = await limitedKey({ rpm: 4 });
    const limits = { rpm: 4, tpm: null, budgetUsd: null, budgetPeriod: null, budgetMode: null, allowedModels: null };
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    const retryAt = (now: number) =>
      admitKeyCall(d.db, k.id, limits, now).then(
        () => null,
        (e: GatewayError) => Number(e.headers?.["retry-after"]),
      );
    for (let i = 0; i < 4; i++) expect(await retryAt(minute + 30_000)).toBeNull();
    // this minute is full: 30 s to its end, then 15 s until 4 * (1 - f) <= 3 in the next
    expect(await retryAt(minute + 30_000)).toBe(45);
    // 10 s into the next minute the window holds 4 * 50/60 = 3.33: one more fits at 15 s
    expect(await retryAt(minute + 70_000)).toBe(5);
    expect(await retryAt(minute + 75_001)).toBeNull();
    expect(await retryAt(minute + 75_002)).toBe(15); // now 1 + 4 * (1 - f) + 1 <= 4 from f = 0.5, 30 s in
  });

  it("adds what other processes counted, as synced through key_minutes", async () => {
    const k = await limitedKey({ rpm: 5 });
    expect((await chat(k.key)).status).toBe(200);
    await syncKeyLimits(); // this process's one request is in key_minutes now
    const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    const [row] = await d.db
      .select({ requests: schema.keyMinutes.requests })
      .from(schema.keyMinutes)
      .where(and(eq(schema.keyMinutes.keyId, k.id), eq(schema.keyMinutes.minute, minute)));
    expect(row?.requests).toBe(1);
    // another web process admitted 4 more this minute
    await d.db
      .update(schema.keyMinutes)
      .set({ requests: sql`${schema.keyMinutes.requests} + 4` })
      .where(and(eq(schema.keyMinutes.keyId, k.id), eq(schema.keyMinutes.minute, minute)));
    expect((await chat(k.key)).status).toBe(200); // not synced yet: at most one interval's overshoot
    await syncKeyLimits();
    const r = await chat(k.key);
    expect(r.status).toBe(429);
    expect(r.body.error?.code).toBe("rate_limit_exceeded");
  });

  it("counts each call's tokens against tokens per minute", async () => {
    const k = await limitedKey({ tpm: 20 });
    const first = await chat(k.key);
    expect(first.headers.get("x-ratelimit-limit-tokens")).toBe("20");
    expect(first.headers.get("x-ratelimit-remaining-tokens")).toBe("20");
    const second = await chat(k.key); // 15 tokens used: 5 left, so it is admitted
    expect(second.status).toBe(200);
    expect(second.headers.get("x-ratelimit-remaining-tokens")).toBe("5");
    const third = await chat(k.key);
    expect(third.status).toBe(429);
    expect(third.body.error).toMatchObject({ code: "rate_limit_exceeded", type: "tokens" });
  });
});

describe("allowed deployments and expiry", () => {
  it("refuses a deployment the key may not call with 403 model_not_allowed and lists only what it may", async () => {
    const k = await limitedKey({ allowedModels: ["mini"] });
    expect((await chat(k.key, "mini")).status).toBe(200);
    const refused = await chat(k.key, "other");
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: "model_not_allowed", param: "model" });
    expect(refused.body.error?.message).toContain("`other`");
    const models = (await (await fetch(`${keel.url}/api/v1/models`, { headers: { authorization: `Bearer ${k.key}` } })).json()) as {
      data: { id: string }[];
    };
    expect(models.data.map((m) => m.id)).toEqual(["mini"]);
    const one = await fetch(`${keel.url}/api/v1/models/other`, { headers: { authorization: `Bearer ${k.key}` } });
    expect(one.status).toBe(404);
  });

  it("refuses a model it may not call before counting it against the key's rate", async () => {
    const k = await limitedKey({ rpm: 1, allowedModels: ["mini"] });
    for (const model of ["other", "router:any"]) expect((await chat(k.key, model)).status).toBe(403);
    const ok = await chat(k.key, "mini"); // the refused calls took none of its one request a minute
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    expect((await chat(k.key, "mini")).status).toBe(429);
  });

  it("stops a key at its expiry (401), cached or not", async () => {
    const k = await limitedKey({ expiresAt: new Date(Date.now() + 1500) });
    expect((await chat(k.key)).status).toBe(200); // now cached for KEEL_KEY_CACHE_SECONDS
    await new Promise((r) => setTimeout(r, 1600));
    expect((await chat(k.key)).status).toBe(401);
  });
});

describe("GET /api/v1/keys/self, the API and the CLI", () => {
  it("tells a key its limits, spend and remaining budget", async () => {
    const k = await limitedKey({ rpm: 100, tpm: 10_000, budgetUsd: 1, budgetPeriod: "month", allowedModels: ["mini"] });
    await chat(k.key);
    await committed(k.id, 1);
    const res = await fetch(`${keel.url}/api/v1/keys/self`, { headers: { authorization: `Bearer ${k.key}` } });
    expect(res.status).toBe(200);
    const self = (await res.json()) as Record<string, Record<string, unknown>>;
    expect(self.limits).toEqual({
      rpm: 100,
      tpm: 10_000,
      budgetUsd: 1,
      budgetPeriod: "month",
      budgetMode: "hard",
      allowedModels: ["mini"],
    });
    expect(self.spend?.monthUsd).toBeCloseTo(CALL_COST, 12);
    expect(self.spend?.remainingUsd).toBeCloseTo(1 - CALL_COST, 12);
    expect(self.spend?.requestsToday).toBe(1);
    expect(self.spend?.tokensToday).toBe(15);
  });

  it("creates and changes limits over REST, refusing bad ones by name", async () => {
    const post = (body: unknown) =>
      fetch(`${keel.url}/api/v1/projects/${projectId}/keys`, {
        method: "POST",
        headers: { authorization: `Bearer ${ownerKey}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const bad: [unknown, string][] = [
      [{ name: "k", rpm: 0 }, "rpm"],
      [{ name: "k", tpm: 1.5 }, "tpm"],
      [{ name: "k", budgetUsd: -1 }, "budgetUsd"],
      [{ name: "k", budgetPeriod: "week", budgetUsd: 1 }, "budgetPeriod"],
      [{ name: "k", budgetMode: "soft" }, "budgetMode"],
      [{ name: "k", allowedModels: [] }, "allowedModels"],
      [{ name: "k", expiresAt: "2020-01-01" }, "expiresAt"],
      [{ name: "k", expiresAt: "tomorrow" }, "expiresAt"],
      [{ name: "k", kind: "public", origins: ["https://a.example"], rpm: 5 }, "rpm"],
    ];
    const before = await d.db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(schema.apiKeys);
    for (const [body, field] of bad) {
      const res = await post(body);
      const text = await res.text();
      expect(res.status, `${JSON.stringify(body)}: ${text}`).toBe(400);
      expect(text).toContain(field);
    }
    const after = await d.db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(schema.apiKeys);
    expect(after[0]?.n).toBe(before[0]?.n); // nothing written

    const made = await post({ name: "app", rpm: 60, budgetUsd: 5 });
    expect(made.status).toBe(201);
    const { view } = (await made.json()) as { view: Record<string, unknown> };
    expect(view).toMatchObject({ rpm: 60, budgetUsd: 5, budgetPeriod: "month", budgetMode: "hard", tpm: null });
    const patch = (body: unknown) =>
      fetch(`${keel.url}/api/v1/projects/${projectId}/keys/${view.id}`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${ownerKey}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const changed = await patch({ tpm: 1000, budgetUsd: null });
    expect(changed.status).toBe(200);
    expect(await changed.json()).toMatchObject({ rpm: 60, tpm: 1000, budgetUsd: null, budgetPeriod: null, budgetMode: null });
    expect((await patch({ rpm: -3 })).status).toBe(400);
  });

  it("keel keys create takes the limits as flags and names a bad one", async () => {
    const slug = (await d.db.select({ slug: schema.projects.slug }).from(schema.projects).where(eq(schema.projects.id, projectId)))[0]
      ?.slug;
    const env = { DATABASE_URL: d.url };
    const ok = await runKeel(
      [
        "keys",
        "create",
        "--project",
        String(slug),
        "--rpm",
        "10",
        "--tpm",
        "5000",
        "--budget",
        "2.5",
        "--budget-period",
        "day",
        "--budget-mode",
        "soft",
        "--models",
        "mini,router:cheap",
        "--expires",
        "2099-01-01",
        "--json",
      ],
      env,
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.out).toMatchObject({
      rpm: 10,
      tpm: 5000,
      budgetUsd: 2.5,
      budgetPeriod: "day",
      budgetMode: "soft",
      allowedModels: ["mini", "router:cheap"],
      expiresAt: "2099-01-01T00:00:00.000Z",
    });
    const bad = await runKeel(["keys", "create", "--project", String(slug), "--rpm", "lots"], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("--rpm");
    const bad2 = await runKeel(["keys", "create", "--project", String(slug), "--budget-mode", "hard"], env);
    expect(bad2.code).not.toBe(0);
    expect(bad2.stderr).toContain("--budget-mode: needs budgetUsd");
  });
});
