import { and, desc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { createDeployment, createProvider, resolveDeployment } from "../../server/serving";
import { SYSTEM_ACTOR, setInstanceSetting } from "../../server/workspace";
import { callerFor, makeMember, makeProject } from "../factories/workspace";
import { freshDatabase, type TestDatabase } from "../helpers/db";

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
