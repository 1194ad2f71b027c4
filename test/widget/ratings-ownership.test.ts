import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { env } from "../../env";
import { CLIENT_IP_HEADER } from "../../server/http/request";
import { handleV1 } from "../../server/http/v1";
import { ingestBatch } from "../../server/logs";
import { chatEvents } from "../factories/logs";
import { callerFor, makeKey, makeMember, makeProject, req } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

/**
 * A public (widget) key may create ratings and update only the ones it created for the same end
 * user; an annotator's rating, another key's or another end user's is a 409 and stays as it was.
 * The widget is limited per client address too, so rotating endUserId does not lift the limit.
 */
const SHOP = "https://app.example.com"; // the origin makeKey binds public keys to
let d: TestDatabase;
let a: Awaited<ReturnType<typeof makeProject>>;
let pk: string;
let pk2: string;
let sk: string;
let traceId: string;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  a = await makeProject(d.db);
  pk = (await makeKey(d.db, a.project.id, a.owner.user.id, "owner", "public")).key;
  pk2 = (await makeKey(d.db, a.project.id, a.owner.user.id, "owner", "public")).key;
  sk = (await makeKey(d.db, a.project.id, a.owner.user.id, "owner")).key;
  const c = chatEvents();
  traceId = c.traceId;
  await ingestBatch(d.db, a.project.id, c.events, { source: "api" });
});
afterAll(() => d.drop());

let addr = 0;
/** Each call from its own address unless given one, so the per-address limit stays out of the way. */
const rate = (body: unknown, opts: { key?: string; ip?: string } = {}) =>
  handleV1(
    req("/api/v1/ratings", {
      method: "POST",
      key: opts.key ?? pk,
      origin: opts.key === sk ? undefined : SHOP,
      json: body,
      headers: { [CLIENT_IP_HEADER]: opts.ip ?? `192.0.2.${++addr % 250}` },
    }),
  );
const rating = async (id: string) =>
  (
    await d.db
      .select()
      .from(schema.ratings)
      .where(and(eq(schema.ratings.projectId, a.project.id), eq(schema.ratings.id, id)))
  )[0];

describe("widget ratings: create, update its own, nothing else", () => {
  it("cannot overwrite an annotator's rating from the console (409, unchanged)", async () => {
    const annotator = await makeMember(d.db, a.project.id, "annotator");
    await callerFor(d.db, annotator.principal).logs.ratings.create({
      projectId: a.project.id,
      id: "r-annotated",
      traceId,
      name: "quality",
      value: 5,
      comment: "careful review",
    });
    const res = await rate({ id: "r-annotated", traceId, name: "quality", value: 1, comment: "spam", endUserId: "u-1" });
    expect(res.status).toBe(409);
    expect(res.headers.get("access-control-allow-origin")).toBe(SHOP);
    expect(await res.json()).toMatchObject({ error: { code: "CONFLICT", field: "id" } });
    expect(await rating("r-annotated")).toMatchObject({
      value: 5,
      comment: "careful review",
      source: "ui",
      authorUserId: annotator.user.id,
    });
    // with no endUserId either
    expect((await rate({ id: "r-annotated", traceId, value: false })).status).toBe(409);
  });

  it("creates a rating and updates its own for the same end user; another end user or key gets 409", async () => {
    const created = await rate({ id: "r-widget", traceId, value: true, endUserId: "u-7" });
    expect(created.status).toBe(201);
    const keyRow = await rating("r-widget");
    expect(keyRow).toMatchObject({ value: 1, source: "widget", endUserId: "u-7" });
    expect(keyRow?.apiKeyId).toBeTruthy();
    const changed = await rate({ id: "r-widget", traceId, value: false, comment: "changed my mind", endUserId: "u-7" });
    expect(changed.status).toBe(201);
    expect(await rating("r-widget")).toMatchObject({ value: 0, comment: "changed my mind" });
    expect((await rate({ id: "r-widget", traceId, value: true, endUserId: "u-8" })).status).toBe(409);
    expect((await rate({ id: "r-widget", traceId, value: true })).status).toBe(409);
    expect((await rate({ id: "r-widget", traceId, value: true, endUserId: "u-7" }, { key: pk2 })).status).toBe(409);
    expect(await rating("r-widget")).toMatchObject({ value: 0, comment: "changed my mind", endUserId: "u-7" });
    // the rollups count the one rating
    const t = await d.db.query.traces.findFirst({ where: and(eq(schema.traces.projectId, a.project.id), eq(schema.traces.id, traceId)) });
    expect(t?.ratingCount).toBe(2);
  });

  it("keeps today's behaviour for secret keys and the console: they may update a widget's rating", async () => {
    await rate({ id: "r-widget-2", traceId, value: true, endUserId: "u-9" });
    const res = await rate({ id: "r-widget-2", traceId, value: false, comment: "moderated" }, { key: sk });
    expect(res.status).toBe(201);
    expect(await rating("r-widget-2")).toMatchObject({ value: 0, comment: "moderated", source: "api" });
    // and the widget no longer owns it
    expect((await rate({ id: "r-widget-2", traceId, value: true, endUserId: "u-9" })).status).toBe(409);
  });

  it("limits one client address however it rotates endUserId (429), and not another address", { timeout: 60_000 }, async () => {
    const ip = "198.51.100.7";
    // the limit counts in fixed one-minute windows: don't start a run that would straddle two
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 20_000) await new Promise((r) => setTimeout(r, left + 50));
    const statuses: number[] = [];
    for (let i = 0; i < env.KEEL_WIDGET_RATE_PER_ADDRESS; i++)
      statuses.push((await rate({ traceId, value: true, endUserId: `rotating-${i}` }, { ip })).status);
    expect(statuses.every((s) => s === 201)).toBe(true);
    const over = await rate({ traceId, value: true, endUserId: "rotating-next" }, { ip });
    expect(over.status).toBe(429);
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await rate({ traceId, value: true, endUserId: "rotating-next" }, { ip: "198.51.100.8" })).status).toBe(201);
  });
});
