import { and, arrayOverlaps, eq } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { checkEgressUrl } from "../core/egress";
import { DomainError, notFound } from "../core/errors";
import { keyset, type Page, type PageInput, toPage } from "../core/pagination";
import { enqueue } from "../core/queue";
import { type Actor, recordAudit } from "../workspace";
import { REGISTRY_EVENTS } from "./inputs";
import { deliverWebhookJob, sealWebhookSecret, webhookEgressPolicy } from "./jobs/deliver-webhook";
import { newWebhookSecret } from "./webhook-signing";

/**
 * Webhooks: a project's HTTP endpoints told about registry changes. An event is recorded as one
 * delivery row per subscribed webhook, in the transaction of the write that caused it, and sent by
 * the `registry.deliverWebhook` job (./jobs/deliver-webhook.ts), signed (./webhook-signing.ts).
 */

export { REGISTRY_EVENTS };
export type RegistryEvent = (typeof REGISTRY_EVENTS)[number];
/** Sent by `test` only; no webhook subscribes to it. */
export const PING_EVENT = "ping";

const hooks = schema.webhooks;
const deliveries = schema.webhookDeliveries;
type WebhookRow = typeof hooks.$inferSelect;
type DeliveryRow = typeof deliveries.$inferSelect;

export interface WebhookView {
  id: string;
  url: string;
  /** event names, or ["*"] for all */
  events: string[];
  active: boolean;
  description: string | null;
  createdAt: Date;
}
export type DeliveryView = Omit<DeliveryRow, "projectId">;

/** Never the secret: it is shown once, at creation and on rotation. */
const view = (w: WebhookRow): WebhookView => ({
  id: w.id,
  url: w.url,
  events: w.events,
  active: w.active,
  description: w.description,
  createdAt: w.createdAt,
});
const deliveryView = ({ projectId: _, ...d }: DeliveryRow): DeliveryView => d;

// ------------------------------------------------------------------ events

async function insertDeliveries(
  tx: DbOrTx,
  projectId: string,
  webhookIds: string[],
  event: string,
  payload: Record<string, unknown>,
): Promise<DeliveryRow[]> {
  if (webhookIds.length === 0) return [];
  const rows = await tx
    .insert(deliveries)
    .values(webhookIds.map((webhookId) => ({ projectId, webhookId, event, payload })))
    .returning();
  for (const d of rows) await enqueue(tx, deliverWebhookJob, { deliveryId: d.id }, { projectId, key: `${deliverWebhookJob.name}:${d.id}` });
  return rows;
}

/**
 * Record `event` for every active webhook of the project subscribed to it (or to "*") and queue
 * their delivery. Call it with the transaction of the write that the event reports: the deliveries
 * commit with it, and a write rolled back sends nothing. `payload` becomes the body's `data`
 * (JSON: ids, names, versions; no secrets). Returns the delivery ids.
 */
export async function emitRegistryEvent(
  tx: DbOrTx,
  projectId: string,
  event: RegistryEvent,
  payload: Record<string, unknown>,
): Promise<string[]> {
  if (!REGISTRY_EVENTS.includes(event)) throw new Error(`unknown registry event ${event}`);
  return tx.transaction(async (t) => {
    const subscribed = await t
      .select({ id: hooks.id })
      .from(hooks)
      .where(and(eq(hooks.projectId, projectId), eq(hooks.active, true), arrayOverlaps(hooks.events, [event, "*"])));
    const rows = await insertDeliveries(
      t,
      projectId,
      subscribed.map((w) => w.id),
      event,
      payload,
    );
    return rows.map((d) => d.id);
  });
}

// ------------------------------------------------------------------ validation

/**
 * http(s), no credentials (fetch refuses them, the URL is listed to every admin, and the signature is
 * how a receiver trusts Keel), and a host the egress policy lets Keel reach (400 naming `url`).
 * Checked again on every delivery's connection, on the address the name resolves to then.
 */
async function checkUrl(db: DbOrTx, raw: string): Promise<string> {
  const url = (await checkEgressUrl(await webhookEgressPolicy(db), raw, "url")).toString();
  if (url.length > 2000) throw new DomainError("BAD_REQUEST", "url is longer than 2000 characters", "url");
  return url;
}

/** Known names or "*"; "*" among others means all. Duplicates are dropped. */
function checkEvents(events: string[]): string[] {
  if (events.length === 0) throw new DomainError("BAD_REQUEST", 'events must name at least one event, or "*" for all', "events");
  const unknown = events.filter((e) => e !== "*" && !(REGISTRY_EVENTS as readonly string[]).includes(e));
  if (unknown.length)
    throw new DomainError(
      "BAD_REQUEST",
      `events: unknown event ${unknown.map((e) => JSON.stringify(e)).join(", ")}; known: ${REGISTRY_EVENTS.join(", ")}, or "*"`,
      "events",
    );
  return events.includes("*") ? ["*"] : [...new Set(events)];
}

// ------------------------------------------------------------------ service

async function getWebhook(db: DbOrTx, projectId: string, webhookId: string): Promise<WebhookRow> {
  const [w] = await db
    .select()
    .from(hooks)
    .where(and(eq(hooks.id, webhookId), eq(hooks.projectId, projectId)));
  if (!w) throw notFound("webhook");
  return w;
}

export async function listWebhooks(db: DbOrTx, projectId: string, page: PageInput): Promise<Page<WebhookView>> {
  const k = keyset(hooks.createdAt, hooks.id, page.cursor);
  const rows = await db
    .select()
    .from(hooks)
    .where(and(eq(hooks.projectId, projectId), k.where))
    .orderBy(...k.orderBy)
    .limit(page.limit + 1);
  const p = toPage(rows, page.limit);
  return { items: p.items.map(view), nextCursor: p.nextCursor };
}

export interface WebhookInput {
  url: string;
  events?: string[];
  active?: boolean;
  description?: string | null;
}

/** The new webhook with its signing secret: the one time the secret is returned. */
export async function createWebhook(
  db: DbOrTx,
  actor: Actor,
  projectId: string,
  input: WebhookInput,
): Promise<WebhookView & { secret: string }> {
  const secret = newWebhookSecret();
  const values = {
    projectId,
    url: await checkUrl(db, input.url),
    events: checkEvents(input.events ?? ["*"]),
    active: input.active ?? true,
    description: input.description ?? null,
    secret: sealWebhookSecret(secret),
  };
  return db.transaction(async (tx) => {
    const [w] = await tx.insert(hooks).values(values).returning();
    if (!w) throw new Error("insert returned nothing");
    await recordAudit(tx, actor, { projectId, action: "registry.webhook.create", targetType: "webhook", targetId: w.id, after: view(w) });
    return { ...view(w), secret };
  });
}

export async function updateWebhook(
  db: DbOrTx,
  actor: Actor,
  projectId: string,
  webhookId: string,
  input: Partial<WebhookInput>,
): Promise<WebhookView> {
  const set: Partial<WebhookRow> = {};
  if (input.url !== undefined) set.url = await checkUrl(db, input.url);
  if (input.events !== undefined) set.events = checkEvents(input.events);
  if (input.active !== undefined) set.active = input.active;
  if (input.description !== undefined) set.description = input.description;
  return db.transaction(async (tx) => {
    const before = await getWebhook(tx, projectId, webhookId);
    if (Object.keys(set).length === 0) return view(before);
    const [w] = await tx.update(hooks).set(set).where(eq(hooks.id, before.id)).returning();
    if (!w) throw notFound("webhook");
    await recordAudit(tx, actor, {
      projectId,
      action: "registry.webhook.update",
      targetType: "webhook",
      targetId: w.id,
      before: view(before),
      after: view(w),
    });
    return view(w);
  });
}

/** Delete a webhook and its deliveries; queued attempts find their delivery gone and send nothing. */
export async function deleteWebhook(db: DbOrTx, actor: Actor, projectId: string, webhookId: string): Promise<{ id: string }> {
  return db.transaction(async (tx) => {
    const before = await getWebhook(tx, projectId, webhookId);
    await tx.delete(hooks).where(eq(hooks.id, before.id));
    await recordAudit(tx, actor, {
      projectId,
      action: "registry.webhook.delete",
      targetType: "webhook",
      targetId: before.id,
      before: view(before),
    });
    return { id: before.id };
  });
}

/** A new secret, effective at once (attempts still queued are signed with it); returned this once. */
export async function rotateWebhookSecret(
  db: DbOrTx,
  actor: Actor,
  projectId: string,
  webhookId: string,
): Promise<{ id: string; secret: string }> {
  return db.transaction(async (tx) => {
    const w = await getWebhook(tx, projectId, webhookId);
    const secret = newWebhookSecret();
    await tx
      .update(hooks)
      .set({ secret: sealWebhookSecret(secret) })
      .where(eq(hooks.id, w.id));
    await recordAudit(tx, actor, { projectId, action: "registry.webhook.rotateSecret", targetType: "webhook", targetId: w.id });
    return { id: w.id, secret };
  });
}

function requireActive(w: WebhookRow) {
  if (!w.active) throw new DomainError("PRECONDITION_FAILED", "this webhook is inactive; activate it first", "webhookId");
}

/** Send a `ping` event to one webhook, whatever its subscriptions; the delivery is listed with the others. */
export async function testWebhook(db: DbOrTx, actor: Actor, projectId: string, webhookId: string): Promise<DeliveryView> {
  return db.transaction(async (tx) => {
    const w = await getWebhook(tx, projectId, webhookId);
    requireActive(w);
    const [d] = await insertDeliveries(tx, projectId, [w.id], PING_EVENT, { webhookId: w.id, message: "Keel webhook test" });
    if (!d) throw new Error("insert returned nothing");
    await recordAudit(tx, actor, {
      projectId,
      action: "registry.webhook.test",
      targetType: "webhook",
      targetId: w.id,
      after: { deliveryId: d.id },
    });
    return deliveryView(d);
  });
}

/** Send a past delivery's event and data again, as a new delivery (new id, fresh attempts); the old one stays as it was. */
export async function redeliver(db: DbOrTx, actor: Actor, projectId: string, deliveryId: string): Promise<DeliveryView> {
  return db.transaction(async (tx) => {
    const [old] = await tx
      .select()
      .from(deliveries)
      .where(and(eq(deliveries.id, deliveryId), eq(deliveries.projectId, projectId)));
    if (!old) throw notFound("delivery");
    const w = await getWebhook(tx, projectId, old.webhookId);
    requireActive(w);
    const [d] = await insertDeliveries(tx, projectId, [w.id], old.event, old.payload);
    if (!d) throw new Error("insert returned nothing");
    await recordAudit(tx, actor, {
      projectId,
      action: "registry.webhook.redeliver",
      targetType: "webhook",
      targetId: w.id,
      before: { deliveryId: old.id },
      after: { deliveryId: d.id },
    });
    return deliveryView(d);
  });
}

/** One webhook's deliveries, newest first (keyset on created_at, id). */
export async function listDeliveries(db: DbOrTx, projectId: string, webhookId: string, page: PageInput): Promise<Page<DeliveryView>> {
  const w = await getWebhook(db, projectId, webhookId);
  const k = keyset(deliveries.createdAt, deliveries.id, page.cursor);
  const rows = await db
    .select()
    .from(deliveries)
    .where(and(eq(deliveries.webhookId, w.id), k.where))
    .orderBy(...k.orderBy)
    .limit(page.limit + 1);
  const p = toPage(rows, page.limit);
  return { items: p.items.map(deliveryView), nextCursor: p.nextCursor };
}
