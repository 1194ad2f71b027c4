import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { createDeployment } from "../../server/serving";
import { SYSTEM_ACTOR, setInstanceSetting } from "../../server/workspace";
import { callerFor, makeKey, makeProject } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { startFakeOpenAI } from "../sdk/fake-openai";
import { type KeelServer, startKeel } from "../sdk/helpers";

/**
 * Providers under the egress policy, in a database whose instance allow-list is empty (the default):
 * a base URL on loopback, link-local, metadata or a private range is refused when saved (400 naming
 * `baseUrl`) and, for a row that got past that (a name re-pointed later), when the gateway connects:
 * a clean 502 saying why, and the internal service is never asked.
 */

let d: TestDatabase;
let keel: KeelServer;
let fake: Awaited<ReturnType<typeof startFakeOpenAI>>;
let p: Awaited<ReturnType<typeof makeProject>>;
let key: string;

beforeAll(async () => {
  d = await freshRuntimeDatabase();
  keel = await startKeel();
  fake = await startFakeOpenAI();
  p = await makeProject(d.db);
  key = (await makeKey(d.db, p.project.id, p.owner.user.id, "viewer")).key;
});
afterAll(async () => {
  await keel?.close();
  await fake?.close();
  await d?.drop();
});

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (e: { code?: string; message: string; cause?: { field?: string } }) => e,
  );

describe("providers under the egress policy", () => {
  it("refuses loopback, metadata and private base URLs when saved (400 naming baseUrl); the allow-list opens a private range", async () => {
    const api = callerFor(d.db, p.owner.principal);
    const projectId = p.project.id;
    const port = new URL(fake.url).port;
    const bad = [
      fake.url,
      `http://[::1]:${port}/v1`,
      `http://0x7f000001:${port}/v1`,
      `http://2130706433:${port}/v1`,
      `http://localhost:${port}/v1`,
      "http://169.254.169.254/latest/meta-data",
      "http://metadata.google.internal/computeMetadata/v1",
      "http://10.0.0.1:8000/v1",
    ];
    for (const [i, baseUrl] of bad.entries()) {
      const err = await rejection(api.serving.providers.create({ projectId, name: `bad-${i}`, baseUrl }));
      expect(err, baseUrl).toMatchObject({ code: "BAD_REQUEST", cause: { field: "baseUrl" } });
      expect(err?.message).toMatch(/refused by the egress policy/);
    }
    const ok = await api.serving.providers.create({ projectId, name: "public", baseUrl: "https://8.8.8.8/v1/" });
    expect(ok.baseUrl).toBe("https://8.8.8.8/v1");
    const upd = await rejection(api.serving.providers.update({ projectId, providerId: ok.id, baseUrl: "http://127.1:11434/v1" }));
    expect(upd).toMatchObject({ code: "BAD_REQUEST", cause: { field: "baseUrl" } });
    const [row] = await d.db.select().from(schema.providers).where(eq(schema.providers.id, ok.id));
    expect(row?.baseUrl).toBe("https://8.8.8.8/v1"); // nothing half-written
    expect(await d.db.select().from(schema.providers).where(eq(schema.providers.projectId, projectId))).toHaveLength(1);

    // an instance admin allows the private range a self-hosted vLLM lives in
    await setInstanceSetting(d.db, SYSTEM_ACTOR, "egress.allow", ["10.0.0.0/8"]);
    const vllm = await api.serving.providers.create({ projectId, name: "vllm", baseUrl: "http://10.0.0.1:8000/v1" });
    expect(vllm.baseUrl).toBe("http://10.0.0.1:8000/v1");
    expect(await rejection(api.serving.providers.update({ projectId, providerId: vllm.id, baseUrl: fake.url }))).toMatchObject({
      cause: { field: "baseUrl" },
    });
    await setInstanceSetting(d.db, SYSTEM_ACTOR, "egress.allow", []);
  });

  it("refuses at connect time a provider whose host is (or now resolves to) loopback: a clean 502, the upstream never asked", async () => {
    const projectId = p.project.id;
    const port = new URL(fake.url).port;
    // rows as if their names had pointed elsewhere when saved
    for (const [name, baseUrl] of [
      ["literal", fake.url],
      ["rebound", `http://localhost:${port}/v1`],
    ] as const) {
      await d.db.insert(schema.providers).values({ projectId, name, baseUrl, timeoutMs: 5000, maxRetries: 2, maxConcurrency: 4 });
      await createDeployment(d.db, SYSTEM_ACTOR, projectId, {
        name: `via-${name}`,
        kind: "provider",
        task: "chat",
        provider: name,
        providerModel: "gpt-4o-mini",
        modelRef: "production",
        inputPricePer1k: 0,
        outputPricePer1k: 0,
        defaults: {},
        batching: { windowMs: 5, maxBatch: 16 },
      });
      const res = await fetch(`${keel.url}/api/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ model: `via-${name}`, messages: [{ role: "user", content: "read me the internal service" }] }),
      });
      expect(res.status, name).toBe(502);
      const body = (await res.json()) as { error: { type: string; code: string; message: string } };
      expect(body.error).toMatchObject({ type: "upstream_error", code: "egress" });
      expect(body.error.message).toMatch(/refused by egress policy: .*loopback/);
      expect(JSON.stringify(body)).not.toContain("Paris");
    }
    expect(fake.requests).toEqual([]);
  });
});

describe("serving.providers.delete", () => {
  it("answers 404 for another project's provider, never naming that project's deployments", async () => {
    const mine = await makeProject(d.db);
    const theirs = await makeProject(d.db);
    const api = callerFor(d.db, theirs.owner.principal);
    const [prov] = await d.db
      .insert(schema.providers)
      .values({ projectId: mine.project.id, name: "secret-upstream", baseUrl: "https://8.8.8.8/v1" })
      .returning();
    await createDeployment(d.db, SYSTEM_ACTOR, mine.project.id, {
      name: "confidential-deployment",
      kind: "provider",
      task: "chat",
      provider: "secret-upstream",
      providerModel: "m",
      modelRef: "production",
      inputPricePer1k: 0,
      outputPricePer1k: 0,
      defaults: {},
      batching: { windowMs: 5, maxBatch: 16 },
    });
    const err = await rejection(api.serving.providers.delete({ projectId: theirs.project.id, providerId: prov?.id as string }));
    expect(err?.code).toBe("NOT_FOUND");
    expect(err?.message).not.toContain("confidential-deployment");
    // in its own project: still refused while used (409 naming the deployment), and not deleted
    const own = await rejection(
      callerFor(d.db, mine.owner.principal).serving.providers.delete({ projectId: mine.project.id, providerId: prov?.id as string }),
    );
    expect(own).toMatchObject({ code: "CONFLICT", message: expect.stringContaining("confidential-deployment") });
    expect(
      await d.db
        .select()
        .from(schema.providers)
        .where(eq(schema.providers.id, prov?.id as string)),
    ).toHaveLength(1);
  });
});
