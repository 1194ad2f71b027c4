import { and, eq, sql } from "drizzle-orm";
import { fetch, type Response } from "undici";
import { z } from "zod";
import { type DbOrTx, schema } from "../../../db/client";
import { type EgressPolicy, egressDispatcher, egressPolicy, egressRefusalOf } from "../../core/egress";
import { defineJob, type JobContext } from "../../core/queue";
import { open, seal } from "../../core/secrets";
import { getInstanceSetting } from "../../workspace";
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signPayload } from "../webhook-signing";

const deliveries = schema.webhookDeliveries;
const hooks = schema.webhooks;

/** Total attempts, the first included; graphile-worker's backoff (e^n s) spreads 8 over about half an hour. */
export const DELIVERY_MAX_ATTEMPTS = 8;
/** Per request, connect to last byte of the kept body. */
export const DELIVERY_TIMEOUT_MS = 10_000;
/**
 * Bytes of the receiver's response body kept on the delivery row (cut on a character boundary):
 * enough to debug a receiver, too little to make deliveries a way to read an internal service.
 */
export const RESPONSE_BODY_LIMIT = 1024;

/** The egress policy for webhooks: KEEL_EGRESS_ALLOW plus the instance admins' allow-list. */
export async function webhookEgressPolicy(db: DbOrTx): Promise<EgressPolicy> {
  return egressPolicy(await getInstanceSetting(db, "egress.allow"));
}

/**
 * Signing secrets are stored sealed (server/core/secrets.ts, like provider keys): `v1.`-prefixed.
 * Rows written before that hold the plain `whsec_` value; they keep working and are sealed at
 * their next delivery (`deliverWebhook`).
 */
export const sealWebhookSecret = (secret: string): string => seal(secret);
const isSealed = (stored: string) => stored.startsWith("v1.");
export const openWebhookSecret = (stored: string): string => (isSealed(stored) ? open(stored) : stored);

type Delivery = typeof deliveries.$inferSelect;

/** The exact JSON body sent for a delivery; identical on every attempt (only the signature's t moves). */
export function deliveryBody(d: Pick<Delivery, "id" | "event" | "createdAt" | "projectId" | "payload">): string {
  return JSON.stringify({ id: d.id, event: d.event, createdAt: d.createdAt.toISOString(), projectId: d.projectId, data: d.payload });
}

/** The longest head of `bytes` of at most `limit` bytes that ends on a UTF-8 character boundary. */
export function utf8Head(bytes: Uint8Array, limit: number): Uint8Array {
  if (bytes.byteLength <= limit) return bytes;
  let end = limit;
  // back off continuation bytes (10xxxxxx): the character they belong to would be cut
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

/** The first `limit` bytes of a response body; the rest is not read. NULs are dropped (Postgres text refuses them). */
async function readHead(res: Response, limit: number): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  try {
    while (n < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      n += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return new TextDecoder().decode(utf8Head(Buffer.concat(chunks), limit)).replaceAll("\u0000", "");
}

/** A short reason for a failed request: undici hides the useful part (ECONNREFUSED, ...) in `cause`. */
function reasonOf(err: unknown): string {
  const refused = egressRefusalOf(err);
  if (refused) return refused.message.slice(0, 500);
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === "TimeoutError") return `timed out after ${DELIVERY_TIMEOUT_MS / 1000} s`;
  const cause = e?.cause?.code ?? e?.cause?.message;
  return (cause ? `${e?.message}: ${cause}` : (e?.message ?? String(err))).slice(0, 500);
}

/** Record an attempt (`sent`: one more request went out). Only a pending delivery moves: one that succeeded or failed for good stays. */
async function settle(db: DbOrTx, id: string, set: Partial<Delivery>, sent = true) {
  await db
    .update(deliveries)
    .set(sent ? { ...set, attempts: sql`${deliveries.attempts} + 1` } : set)
    .where(and(eq(deliveries.id, id), eq(deliveries.status, "pending")));
}

/**
 * One attempt at one delivery. 2xx: succeeded. Anything else (3xx included: redirects are never
 * followed, so a receiver cannot bounce a signed body to another host), a network error or a
 * timeout: the attempt is recorded and the job throws, so graphile-worker retries it with backoff;
 * after the last attempt the delivery is `failed`. Idempotent: a delivery no longer pending, or
 * gone with its webhook, is not sent.
 */
export async function deliverWebhook({ db, payload, attempt, signal }: JobContext<{ deliveryId: string }>) {
  const [row] = await db
    .select({ d: deliveries, url: hooks.url, secret: hooks.secret, active: hooks.active })
    .from(deliveries)
    .innerJoin(hooks, eq(hooks.id, deliveries.webhookId))
    .where(eq(deliveries.id, payload.deliveryId));
  if (!row) return { skipped: "delivery or webhook deleted" };
  if (row.d.status !== "pending") return { skipped: `delivery already ${row.d.status}` };
  if (!row.active) {
    await settle(db, row.d.id, { status: "failed", error: "webhook is inactive; not sent" }, false);
    return { skipped: "webhook inactive" };
  }

  let secret = row.secret;
  if (!isSealed(secret)) {
    // a row from before secrets were sealed: seal it now (only if nobody rotated it meanwhile)
    await db
      .update(hooks)
      .set({ secret: sealWebhookSecret(secret) })
      .where(and(eq(hooks.id, row.d.webhookId), eq(hooks.secret, secret)));
  } else secret = openWebhookSecret(secret);

  const body = deliveryBody(row.d);
  const dispatcher = egressDispatcher(await webhookEgressPolicy(db));
  let status: number | null = null;
  let text: string | null = null;
  let error: string | null = null;
  try {
    const res = await fetch(row.url, {
      method: "POST",
      body,
      redirect: "manual",
      // the egress policy, checked on the address each connection goes to (the URL was checked when saved)
      dispatcher,
      signal: AbortSignal.any([AbortSignal.timeout(DELIVERY_TIMEOUT_MS), signal]),
      headers: {
        "content-type": "application/json",
        "user-agent": "Keel-Webhooks/1",
        [SIGNATURE_HEADER]: signPayload(secret, body),
        [EVENT_HEADER]: row.d.event,
        [DELIVERY_HEADER]: row.d.id,
      },
    });
    status = res.status;
    // the status decides; a body that stalls or breaks off is kept as far as it came (or not at all)
    text = await readHead(res, RESPONSE_BODY_LIMIT).catch(() => null);
    if (status >= 300 && status < 400) error = `HTTP ${status}: redirect to ${res.headers.get("location") ?? "(no location)"} not followed`;
    else if (status < 200 || status >= 300) error = `HTTP ${status}`;
  } catch (err) {
    error = reasonOf(err);
  }

  if (error === null) {
    await settle(db, row.d.id, { status: "succeeded", responseStatus: status, responseBody: text, error: null, deliveredAt: new Date() });
    return { status, attempt };
  }
  const final = attempt >= DELIVERY_MAX_ATTEMPTS;
  await settle(db, row.d.id, { status: final ? "failed" : "pending", responseStatus: status, responseBody: text, error });
  throw new Error(`webhook delivery ${row.d.id} (${row.d.event}) attempt ${attempt}/${DELIVERY_MAX_ATTEMPTS}: ${error}`);
}

/** `registry.deliverWebhook`: POST one delivery to its webhook, signed; retried with backoff. */
export const deliverWebhookJob = defineJob({
  name: "registry.deliverWebhook",
  schema: z.object({ deliveryId: z.uuid() }),
  maxAttempts: DELIVERY_MAX_ATTEMPTS,
  timeoutMs: DELIVERY_TIMEOUT_MS + 20_000,
  handle: deliverWebhook,
});
