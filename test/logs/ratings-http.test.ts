import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { env } from "../../env";
import { handleV1 } from "../../server/http/v1";
import { ingestBatch } from "../../server/logs";
import { chatEvents } from "../factories/logs";
import { makeKey, makeProject, req } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

const SHOP = "https://app.example.com"; // the origin makeKey binds public keys to
let d: TestDatabase;
let a: Awaited<ReturnType<typeof makeProject>>;
let pk: string;
let sk: string;
let traceId: string;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  a = await makeProject(d.db);
  pk = (await makeKey(d.db, a.project.id, a.owner.user.id, "owner", "public")).key;
  sk = (await makeKey(d.db, a.project.id, a.owner.user.id, "owner")).key;
  const c = chatEvents();
  traceId = c.traceId;
  await ingestBatch(d.db, a.project.id, c.events, { source: "api" });
});
afterAll(() => d.drop());

const rate = (body: unknown, opts: { key?: string; origin?: string } = {}) =>
  handleV1(req("/api/v1/ratings", { method: "POST", key: opts.key ?? pk, origin: opts.origin ?? SHOP, json: body }));

describe("POST /api/v1/ratings (the widget's endpoint)", () => {
  it("answers the CORS preflight for any origin; the POST itself is checked", async () => {
    const res = await handleV1(req("/api/v1/ratings", { method: "OPTIONS", origin: "https://anywhere.example" }));
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://anywhere.example");
    expect(res.headers.get("access-control-allow-headers")).toContain("authorization");
  });

  it("stores a thumbs-up from an allowed origin, as a widget rating, with CORS headers", async () => {
    const res = await rate({ traceId, value: true, comment: "spot on", endUserId: "u-1" });
    expect(res.status).toBe(201);
    expect(res.headers.get("access-control-allow-origin")).toBe(SHOP);
    const { id } = (await res.json()) as { id: string };
    const [row] = await d.db
      .select()
      .from(schema.ratings)
      .where(and(eq(schema.ratings.projectId, a.project.id), eq(schema.ratings.id, id)));
    expect(row).toMatchObject({
      traceId,
      name: "user-feedback",
      dataType: "boolean",
      value: 1,
      comment: "spot on",
      source: "widget",
      endUserId: "u-1",
    });
  });

  it("refuses a public key from a foreign origin or with no origin (403), storing nothing", async () => {
    const before = await d.db.select().from(schema.ratings);
    expect((await rate({ traceId, value: false }, { origin: "https://evil.example" })).status).toBe(403);
    const noOrigin = await handleV1(req("/api/v1/ratings", { method: "POST", key: pk, json: { traceId, value: false } }));
    expect(noOrigin.status).toBe(403);
    expect(await d.db.select().from(schema.ratings)).toHaveLength(before.length);
  });

  it("lets a public key read nothing", async () => {
    for (const path of [`/api/v1/projects/${a.project.slug}`, `/api/v1/projects/${a.project.slug}/jobs`, "/api/v1/me"]) {
      const res = await handleV1(req(path, { key: pk, origin: SHOP }));
      expect(res.status).toBe(403);
    }
    expect((await handleV1(req("/api/v1/ingest", { method: "POST", key: pk, origin: SHOP, json: { batch: [] } }))).status).toBe(403);
  });

  it("answers 404 for a trace of another project, for public and secret keys alike", async () => {
    const b = await makeProject(d.db);
    const c = chatEvents();
    await ingestBatch(d.db, b.project.id, c.events, { source: "api" });
    expect((await rate({ traceId: c.traceId, value: true })).status).toBe(404);
    const res = await rate({ traceId: c.traceId, value: true }, { key: sk, origin: undefined });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: "NOT_FOUND", message: `traceId: trace ${c.traceId} not found`, field: "traceId" } });
  });

  it("names bad fields: wrong type 400, malformed JSON 400", async () => {
    const bad = await rate({ traceId, value: { nested: true } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe("value");
    const malformed = await handleV1(
      req("/api/v1/ratings", { method: "POST", key: pk, origin: SHOP, body: "{", headers: { "content-type": "application/json" } }),
    );
    expect(malformed.status).toBe(400);
  });

  it("rate-limits one end user of a public key (429 with Retry-After)", { timeout: 60_000 }, async () => {
    // the limit counts in fixed one-minute windows: don't start a run that would straddle two
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 20_000) await new Promise((r) => setTimeout(r, left + 50));
    const statuses: number[] = [];
    for (let i = 0; i <= env.KEEL_WIDGET_RATE_PER_USER; i++)
      statuses.push((await rate({ traceId, value: i % 2 === 0, endUserId: "spammer" })).status);
    expect(statuses.slice(0, env.KEEL_WIDGET_RATE_PER_USER).every((s) => s === 201)).toBe(true);
    const last = await rate({ traceId, value: true, endUserId: "spammer" });
    expect(last.status).toBe(429);
    expect(Number(last.headers.get("retry-after"))).toBeGreaterThan(0);
    // another end user of the same key is not held back
    expect((await rate({ traceId, value: true, endUserId: "someone-else" })).status).toBe(201);
  });
});
