import http from "node:http";
import type { AddressInfo } from "node:net";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { startWorker, type WorkerHandle } from "../../server/core/worker";
import { deliverWebhookJob, emitRegistryEvent } from "../../server/registry";
import { DELIVERY_MAX_ATTEMPTS, deliverWebhook } from "../../server/registry/jobs/deliver-webhook";
import { verifySignature } from "../../server/registry/webhook-signing";
import { SYSTEM_ACTOR, setInstanceSetting } from "../../server/workspace";
import { callerFor, makeMember, makeProject } from "../factories/workspace";
import { freshDatabase, type TestDatabase } from "../helpers/db";
import { waitFor } from "../helpers/wait";

let d: TestDatabase;
let worker: WorkerHandle;

// ---------------------------------------------------------------- a real receiver

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
type Reply = { status: number; body?: string; headers?: Record<string, string> };
const received: Received[] = [];
/** Replies per path, used in order; the last one repeats. Unknown paths get 200 "ok". */
const script = new Map<string, Reply[]>();
let receiver: http.Server;
let base: string;

const hits = (path: string) => received.filter((r) => r.path === path);

beforeAll(async () => {
  d = await freshDatabase();
  // the receiver is on loopback: allowed here through the instance setting, as an admin would (the
  // egress tests below use a database of their own without it)
  await setInstanceSetting(d.db, SYSTEM_ACTOR, "egress.allow", ["127.0.0.0/8"]);
  worker = await startWorker({ url: d.url, jobs: [deliverWebhookJob], pollIntervalMs: 200 });
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "/";
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      const replies = script.get(path) ?? [];
      const reply = (replies.length > 1 ? replies.shift() : replies[0]) ?? { status: 200, body: "ok" };
      res.writeHead(reply.status, reply.headers).end(reply.body ?? "");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await worker.stop();
  await new Promise((resolve) => receiver.close(resolve));
  await d.drop();
});

// ---------------------------------------------------------------- helpers

const delivery = (id: string) => d.db.query.webhookDeliveries.findFirst({ where: eq(schema.webhookDeliveries.id, id) });
const settled = (id: string, status: "succeeded" | "failed") =>
  waitFor(`delivery ${id} ${status}`, async () => {
    const row = await delivery(id);
    return row?.status === status ? row : null;
  });

/**
 * graphile-worker waits e^n s before attempt n+1; once attempt `n` has failed (the job is unlocked
 * and scheduled later), pull the retry forward to now. Production keeps the backoff.
 */
async function retryNow(deliveryId: string, n: number) {
  const [job] = await d.db
    .select()
    .from(schema.jobs)
    .where(eq(schema.jobs.key, `${deliverWebhookJob.name}:${deliveryId}`));
  const gid = await waitFor(`attempt ${n} of ${deliveryId} to fail`, async () => {
    const rows = await d.db.execute<{ id: string }>(
      sql`SELECT id::text AS id FROM graphile_worker.jobs WHERE key = ${job?.id ?? ""} AND attempts = ${n} AND locked_at IS NULL AND run_at > now()`,
    );
    return rows[0]?.id;
  });
  await d.db.execute(sql`SELECT graphile_worker.reschedule_jobs(ARRAY[${gid}::bigint], run_at := now())`);
}

/** A project of its own per test (so "*" webhooks of one test see nothing of another), its owner's caller. */
async function setup() {
  const p = await makeProject(d.db);
  const projectId = p.project.id;
  const api = callerFor(d.db, p.owner.principal);
  return {
    p,
    projectId,
    api,
    hooks: api.registry.webhooks,
    createHook: (path: string, events?: string[]) => api.registry.webhooks.create({ projectId, url: `${base}${path}`, events }),
    /** emit inside a transaction of its own, as a registry write would */
    emit: (event: Parameters<typeof emitRegistryEvent>[2], data: Record<string, unknown>) =>
      d.db.transaction((tx) => emitRegistryEvent(tx, projectId, event, data)),
  };
}

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => "resolved",
    (e: { code?: string; data?: { field?: string } }) => e.code,
  );
async function rejects(p: Promise<unknown>, code: string, field?: string) {
  const err = await p.then(
    () => null,
    (e: { code?: string; message: string; cause?: { field?: string } }) => e,
  );
  expect(err?.code).toBe(code);
  if (field) expect(err?.cause?.field).toBe(field);
  return err as { message: string };
}

// ---------------------------------------------------------------- tests

describe("registry webhooks", () => {
  it("creates a webhook (secret shown once), emits in a transaction, the worker POSTs a signed body", async () => {
    const { projectId, api, createHook, emit } = await setup();
    const hook = await createHook("/a", ["alias.moved", "alias.moved"]);
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(hook.events).toEqual(["alias.moved"]);
    const listed = await api.registry.webhooks.list({ projectId: projectId });
    expect(listed.items.find((w) => w.id === hook.id)).toEqual({
      id: hook.id,
      url: `${base}/a`,
      events: ["alias.moved"],
      active: true,
      description: null,
      createdAt: hook.createdAt,
    });
    // not subscribed, inactive: nothing for them
    await createHook("/other", ["model_version.created"]);
    const off = await createHook("/off");
    await api.registry.webhooks.update({ projectId: projectId, webhookId: off.id, active: false });

    const data = { alias: "production", modelName: "ranker", fromVersion: 1, toVersion: 2 };
    const [id, ...more] = await emit("alias.moved", data);
    expect(more).toEqual([]);
    const done = await settled(id as string, "succeeded");
    expect(done).toMatchObject({ attempts: 1, responseStatus: 200, responseBody: "ok", error: null, event: "alias.moved" });
    expect(done.deliveredAt).toBeInstanceOf(Date);

    const [got, ...again] = hits("/a");
    expect(again).toEqual([]);
    if (!got) throw new Error("no request");
    expect(got.headers["content-type"]).toBe("application/json");
    expect(got.headers["x-keel-event"]).toBe("alias.moved");
    expect(got.headers["x-keel-delivery"]).toBe(id);
    expect(verifySignature(hook.secret, got.body, got.headers["x-keel-signature"] as string)).toMatchObject({ ok: true });
    expect(verifySignature("whsec_wrong", got.body, got.headers["x-keel-signature"] as string)).toEqual({ ok: false, reason: "mismatch" });
    expect(JSON.parse(got.body)).toEqual({ id, event: "alias.moved", createdAt: done.createdAt.toISOString(), projectId: projectId, data });
    expect(hits("/other")).toEqual([]);
    expect(hits("/off")).toEqual([]);

    // idempotent: the job run again for a delivered delivery sends nothing
    const ctx = { db: d.db, payload: { deliveryId: id as string }, attempt: 2, signal: new AbortController().signal };
    expect(await deliverWebhook({ ...ctx, jobId: "x", projectId: projectId, progress: async () => {} })).toEqual({
      skipped: "delivery already succeeded",
    });
    expect(hits("/a")).toHaveLength(1);
  });

  it("retries a receiver that answers 500 twice, then 200: succeeded on attempt 3", async () => {
    const { createHook, emit } = await setup();
    script.set("/flaky", [
      { status: 500, body: "boom 1" },
      { status: 500, body: "boom 2" },
      { status: 200, body: "fine" },
    ]);
    const hook = await createHook("/flaky", ["*"]);
    const [id] = (await emit("model_version.created", { modelName: "ranker", version: 3 })) as [string];
    await retryNow(id, 1);
    expect(await delivery(id)).toMatchObject({
      status: "pending",
      attempts: 1,
      responseStatus: 500,
      responseBody: "boom 1",
      error: "HTTP 500",
    });
    await retryNow(id, 2);
    const done = await settled(id, "succeeded");
    expect(done).toMatchObject({ attempts: 3, responseStatus: 200, responseBody: "fine", error: null });
    const sent = hits("/flaky");
    expect(sent).toHaveLength(3);
    // the same body every time; each attempt signed afresh
    expect(new Set(sent.map((s) => s.body)).size).toBe(1);
    for (const s of sent) expect(verifySignature(hook.secret, s.body, s.headers["x-keel-signature"] as string).ok).toBe(true);
    const job = await d.db.query.jobs.findFirst({ where: eq(schema.jobs.key, `${deliverWebhookJob.name}:${id}`) });
    expect(job).toMatchObject({ status: "succeeded", attempts: 3, maxAttempts: DELIVERY_MAX_ATTEMPTS });
  });

  it("marks a delivery failed after its last attempt; keeps only the first 1 KB of a body", async () => {
    const { projectId, api, createHook } = await setup();
    script.set("/down", [{ status: 503, body: "x".repeat(10_000) }]);
    const hook = await createHook("/down", ["approval.rejected"]);
    await api.registry.webhooks.update({ projectId: projectId, webhookId: hook.id, active: false });
    // a delivery recorded while active, sent by its last attempt (run directly: the real backoff is ~30 min)
    const [row] = await d.db
      .insert(schema.webhookDeliveries)
      .values({ projectId: projectId, webhookId: hook.id, event: "approval.rejected", payload: { approvalId: "a1" } })
      .returning();
    const id = row?.id as string;
    const ctx = { db: d.db, jobId: "x", projectId: projectId, progress: async () => {}, signal: new AbortController().signal };
    // inactive: not sent, failed at once
    expect(await deliverWebhook({ ...ctx, payload: { deliveryId: id }, attempt: 1 })).toEqual({ skipped: "webhook inactive" });
    expect(await delivery(id)).toMatchObject({ status: "failed", attempts: 0, error: "webhook is inactive; not sent" });
    expect(hits("/down")).toEqual([]);

    await api.registry.webhooks.update({ projectId: projectId, webhookId: hook.id, active: true });
    await d.db.update(schema.webhookDeliveries).set({ status: "pending", error: null }).where(eq(schema.webhookDeliveries.id, id));
    await expect(deliverWebhook({ ...ctx, payload: { deliveryId: id }, attempt: DELIVERY_MAX_ATTEMPTS })).rejects.toThrow(/HTTP 503/);
    const failed = await delivery(id);
    expect(failed).toMatchObject({ status: "failed", attempts: 1, responseStatus: 503, error: "HTTP 503" });
    expect(failed?.responseBody).toBe("x".repeat(1024));
  });

  it("does not follow a redirect: 3xx is a failed attempt, the other host is never asked", async () => {
    const { projectId, api, createHook, emit } = await setup();
    script.set("/moved", [{ status: 302, headers: { location: `${base}/elsewhere` } }]);
    const hook = await createHook("/moved", ["alias.deleted"]);
    const [id] = (await emit("alias.deleted", { alias: "staging" })) as [string];
    const row = await waitFor("the first attempt", async () => ((await delivery(id))?.attempts === 1 ? delivery(id) : null));
    expect(row).toMatchObject({ status: "pending", responseStatus: 302, error: `HTTP 302: redirect to ${base}/elsewhere not followed` });
    expect(hits("/elsewhere")).toEqual([]);
    await api.registry.webhooks.delete({ projectId: projectId, webhookId: hook.id }); // its retries find nothing to send
    expect(await delivery(id)).toBeUndefined();
  });

  it("sends nothing for a write that rolls back", async () => {
    const { projectId, createHook } = await setup();
    await createHook("/rollback", ["approval.requested"]);
    const before = await d.db.select({ n: sql<number>`count(*)::int` }).from(schema.jobs);
    await expect(
      d.db.transaction(async (tx) => {
        const ids = await emitRegistryEvent(tx, projectId, "approval.requested", { approvalId: "r1" });
        expect(ids).toHaveLength(1);
        throw new Error("the registry write failed");
      }),
    ).rejects.toThrow("the registry write failed");
    const rows = await d.db.select().from(schema.webhookDeliveries).where(eq(schema.webhookDeliveries.event, "approval.requested"));
    expect(rows).toEqual([]);
    const after = await d.db.select({ n: sql<number>`count(*)::int` }).from(schema.jobs);
    expect(after[0]?.n).toBe(before[0]?.n);
    await new Promise((r) => setTimeout(r, 500)); // a worker poll or two
    expect(hits("/rollback")).toEqual([]);
  });

  it("test pings, redeliver sends again as a new delivery, rotateSecret signs with the new secret", async () => {
    const { projectId, api, createHook } = await setup();
    const hook = await createHook("/ops", ["approval.voted"]);
    const ping = await api.registry.webhooks.test({ projectId: projectId, webhookId: hook.id });
    expect(ping).toMatchObject({ event: "ping", status: "pending", webhookId: hook.id });
    await settled(ping.id, "succeeded");
    const [first] = hits("/ops");
    expect(first?.headers["x-keel-event"]).toBe("ping");
    expect(JSON.parse(first?.body ?? "{}").data).toEqual({ webhookId: hook.id, message: "Keel webhook test" });

    const rotated = await api.registry.webhooks.rotateSecret({ projectId: projectId, webhookId: hook.id });
    expect(rotated.secret).not.toBe(hook.secret);
    const again = await api.registry.webhooks.redeliver({ projectId: projectId, deliveryId: ping.id });
    expect(again.id).not.toBe(ping.id);
    await settled(again.id, "succeeded");
    const second = hits("/ops")[1];
    expect(JSON.parse(second?.body ?? "{}")).toMatchObject({ id: again.id, event: "ping", data: { webhookId: hook.id } });
    expect(verifySignature(rotated.secret, second?.body ?? "", second?.headers["x-keel-signature"] as string).ok).toBe(true);
    expect(verifySignature(hook.secret, second?.body ?? "", second?.headers["x-keel-signature"] as string).ok).toBe(false);

    // inactive: neither test nor redeliver sends
    await api.registry.webhooks.update({ projectId: projectId, webhookId: hook.id, active: false });
    await rejects(api.registry.webhooks.test({ projectId: projectId, webhookId: hook.id }), "PRECONDITION_FAILED");
    await rejects(api.registry.webhooks.redeliver({ projectId: projectId, deliveryId: ping.id }), "PRECONDITION_FAILED");

    const audit = await d.db
      .select({ action: schema.auditLogs.action, after: schema.auditLogs.after })
      .from(schema.auditLogs)
      .where(and(eq(schema.auditLogs.projectId, projectId), eq(schema.auditLogs.targetId, hook.id)));
    expect(audit.map((a) => a.action).sort()).toEqual([
      "registry.webhook.create",
      "registry.webhook.redeliver",
      "registry.webhook.rotateSecret",
      "registry.webhook.test",
      "registry.webhook.update",
    ]);
    expect(JSON.stringify(audit)).not.toContain("whsec_");
  });

  it("lists a webhook's deliveries newest first, keyset-paged", async () => {
    const { projectId, api, createHook, emit } = await setup();
    const hook = await createHook("/paged", ["approval.approved"]);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(...(await emit("approval.approved", { n: i })));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.registry.webhooks.deliveries({ projectId: projectId, webhookId: hook.id, limit: 2, cursor });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((x) => x.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    const one = await api.registry.webhooks.deliveries({ projectId: projectId, webhookId: hook.id, limit: 1 });
    expect(one.items[0]).toMatchObject({ id: ids[4], event: "approval.approved", payload: { n: 4 } });
    expect(one.items[0]).not.toHaveProperty("projectId");
  });

  it("refuses a bad url or bad events with a 400 naming the field", async () => {
    const { projectId, api } = await setup();
    const create = (url: string, events?: string[]) => api.registry.webhooks.create({ projectId, url, events });
    for (const url of ["not a url", "ftp://example.com/hook", "javascript:alert(1)", "http://user:pw@example.com/x"])
      await rejects(create(url), "BAD_REQUEST", "url");
    const e = await rejects(create(`${base}/x`, ["model.exploded", "alias.moved"]), "BAD_REQUEST", "events");
    expect(e.message).toContain('"model.exploded"');
    await rejects(create(`${base}/x`, []), "BAD_REQUEST", "events");
    await rejects(create(`${base}/x`, ["ping"]), "BAD_REQUEST", "events");
    const hook = await create(`${base}/x`, ["alias.moved", "*"]);
    expect(hook.events).toEqual(["*"]);
    await rejects(api.registry.webhooks.update({ projectId, webhookId: hook.id, url: "file:///etc/passwd" }), "BAD_REQUEST", "url");
    await rejects(api.registry.webhooks.update({ projectId, webhookId: hook.id, events: ["nope"] }), "BAD_REQUEST", "events");
    const [w] = await d.db.select().from(schema.webhooks).where(eq(schema.webhooks.id, hook.id));
    expect(w).toMatchObject({ url: `${base}/x`, events: ["*"] }); // nothing half-written
  });

  it("hides another project's webhooks (404) and keeps them from viewers and engineers (403)", async () => {
    const { projectId, createHook, emit } = await setup();
    const hook = await createHook("/mine");
    const [deliveryId] = (await emit("alias.moved", { alias: "x" })) as [string];
    const q = await makeProject(d.db);
    const other = callerFor(d.db, q.owner.principal);
    const qid = q.project.id;
    const w = other.registry.webhooks;
    expect(await codeOf(w.update({ projectId: qid, webhookId: hook.id, active: false }))).toBe("NOT_FOUND");
    expect(await codeOf(w.delete({ projectId: qid, webhookId: hook.id }))).toBe("NOT_FOUND");
    expect(await codeOf(w.deliveries({ projectId: qid, webhookId: hook.id }))).toBe("NOT_FOUND");
    expect(await codeOf(w.test({ projectId: qid, webhookId: hook.id }))).toBe("NOT_FOUND");
    expect(await codeOf(w.rotateSecret({ projectId: qid, webhookId: hook.id }))).toBe("NOT_FOUND");
    expect(await codeOf(w.redeliver({ projectId: qid, deliveryId }))).toBe("NOT_FOUND");
    expect((await w.list({ projectId: qid })).items).toEqual([]);
    // an event in the other project reaches none of this project's webhooks
    expect(await d.db.transaction((tx) => emitRegistryEvent(tx, qid, "alias.moved", { alias: "y" }))).toEqual([]);
    // and its owner, not a member here, is told this project does not exist
    expect(await codeOf(w.list({ projectId }))).toBe("NOT_FOUND");

    for (const role of ["viewer", "engineer"] as const) {
      const m = await makeMember(d.db, projectId, role);
      const c = callerFor(d.db, m.principal).registry.webhooks;
      expect(await codeOf(c.list({ projectId: projectId }))).toBe("FORBIDDEN");
      expect(await codeOf(c.deliveries({ projectId: projectId, webhookId: hook.id }))).toBe("FORBIDDEN");
      expect(await codeOf(c.create({ projectId: projectId, url: `${base}/z` }))).toBe("FORBIDDEN");
    }
    const admin = await makeMember(d.db, projectId, "admin");
    const items = (await callerFor(d.db, admin.principal).registry.webhooks.list({ projectId: projectId, limit: 200 })).items;
    expect(items.map((x) => x.id)).toContain(hook.id);
    expect(items.every((x) => !("secret" in x))).toBe(true);
  });
});

describe("webhook responses and secrets at rest", () => {
  it("keeps at most 1 KB of a 1 MB answer, cut on a character boundary", async () => {
    const { createHook, emit } = await setup();
    script.set("/huge", [{ status: 200, body: `a${"é".repeat(500_000)}` }]);
    await createHook("/huge", ["alias.moved"]);
    const [id] = (await emit("alias.moved", { alias: "big" })) as [string];
    const done = await settled(id, "succeeded");
    // byte 1024 would split an "é" (2 bytes): kept up to the character before it
    expect(done.responseBody).toBe(`a${"é".repeat(511)}`);
    expect(Buffer.byteLength(done.responseBody ?? "")).toBe(1023);
  });

  it("stores the signing secret sealed, signs with it; a plaintext secret of an older row still works and is sealed at delivery", async () => {
    const { projectId, api, createHook, emit } = await setup();
    const hook = await createHook("/sealed", ["alias.moved"]);
    const stored = async () => (await d.db.select().from(schema.webhooks).where(eq(schema.webhooks.id, hook.id)))[0]?.secret ?? "";
    expect(await stored()).toMatch(/^v1\./);
    expect(await stored()).not.toContain(hook.secret.slice(6));
    const [id] = (await emit("alias.moved", { alias: "a" })) as [string];
    await settled(id, "succeeded");
    const [got] = hits("/sealed");
    expect(verifySignature(hook.secret, got?.body ?? "", got?.headers["x-keel-signature"] as string).ok).toBe(true);

    const rotated = await api.registry.webhooks.rotateSecret({ projectId, webhookId: hook.id });
    expect(await stored()).toMatch(/^v1\./);
    expect(await stored()).not.toContain(rotated.secret.slice(6));

    // a row written before secrets were sealed
    const legacy = "whsec_legacy-plaintext-secret-0123456789abcdef";
    await d.db.update(schema.webhooks).set({ secret: legacy }).where(eq(schema.webhooks.id, hook.id));
    const [id2] = (await emit("alias.moved", { alias: "b" })) as [string];
    await settled(id2, "succeeded");
    const second = hits("/sealed")[1];
    expect(verifySignature(legacy, second?.body ?? "", second?.headers["x-keel-signature"] as string).ok).toBe(true);
    expect(await stored()).toMatch(/^v1\./);
    expect(await stored()).not.toContain("legacy");
    const [id3] = (await emit("alias.moved", { alias: "c" })) as [string];
    await settled(id3, "succeeded");
    const third = hits("/sealed")[2];
    expect(verifySignature(legacy, third?.body ?? "", third?.headers["x-keel-signature"] as string).ok).toBe(true);
  });
});

describe("webhooks under the egress policy (a database with no allow-list)", () => {
  let e: TestDatabase;
  beforeAll(async () => {
    e = await freshDatabase();
  });
  afterAll(() => e.drop());

  it("refuses loopback, metadata and private targets when saved (400 naming url); the allow-list opens private ranges", async () => {
    const p = await makeProject(e.db);
    const projectId = p.project.id;
    const api = callerFor(e.db, p.owner.principal);
    const port = (receiver.address() as AddressInfo).port;
    for (const url of [
      `http://127.0.0.1:${port}/hook`,
      `http://[::1]:${port}/hook`,
      `http://0x7f000001:${port}/hook`,
      `http://2130706433:${port}/hook`,
      `http://localhost:${port}/hook`,
      "http://169.254.169.254/latest/meta-data/",
      "http://metadata.google.internal/computeMetadata/v1/",
      "http://10.0.0.1/hook",
    ]) {
      const err = await rejects(api.registry.webhooks.create({ projectId, url }), "BAD_REQUEST", "url");
      expect(err.message, url).toMatch(/refused by the egress policy/);
    }
    const ok = await api.registry.webhooks.create({ projectId, url: "https://8.8.8.8/hook" });
    await rejects(api.registry.webhooks.update({ projectId, webhookId: ok.id, url: "http://[::ffff:127.0.0.1]/" }), "BAD_REQUEST", "url");

    await setInstanceSetting(e.db, SYSTEM_ACTOR, "egress.allow", ["10.0.0.0/8"]);
    const inside = await api.registry.webhooks.create({ projectId, url: "http://10.0.0.1/hook" });
    expect(inside.url).toBe("http://10.0.0.1/hook");
    // never: metadata, even with a range listed
    await setInstanceSetting(e.db, SYSTEM_ACTOR, "egress.allow", ["10.0.0.0/8", "169.254.0.0/16"]);
    await rejects(api.registry.webhooks.create({ projectId, url: "http://169.254.169.254/" }), "BAD_REQUEST", "url");
    await setInstanceSetting(e.db, SYSTEM_ACTOR, "egress.allow", []);
  });

  it("refuses at connect time a host that resolves to loopback (DNS rebinding), records why, sends nothing", async () => {
    const p = await makeProject(e.db);
    const projectId = p.project.id;
    const port = (receiver.address() as AddressInfo).port;
    // as if the name had pointed at a public address when it was saved, and at 127.0.0.1 now
    const [hook] = await e.db
      .insert(schema.webhooks)
      .values({ projectId, url: `http://localhost:${port}/rebound`, events: ["*"], secret: "whsec_x" })
      .returning();
    const [row] = await e.db
      .insert(schema.webhookDeliveries)
      .values({ projectId, webhookId: hook?.id as string, event: "alias.moved", payload: {} })
      .returning();
    const ctx = { db: e.db, jobId: "x", projectId, progress: async () => {}, signal: new AbortController().signal };
    await expect(deliverWebhook({ ...ctx, payload: { deliveryId: row?.id as string }, attempt: DELIVERY_MAX_ATTEMPTS })).rejects.toThrow(
      /refused by egress policy: .*loopback/,
    );
    const failed = await e.db.query.webhookDeliveries.findFirst({ where: eq(schema.webhookDeliveries.id, row?.id as string) });
    expect(failed).toMatchObject({ status: "failed", responseStatus: null, responseBody: null });
    expect(failed?.error).toMatch(/^refused by egress policy: .*loopback/);
    expect(hits("/rebound")).toEqual([]);
  });
});
