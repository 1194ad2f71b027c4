import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Webhook signatures, Stripe-style: `x-keel-signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` over
 * `"<t>.<raw body>"`. The timestamp is signed with the body, so a receiver that checks it against
 * its clock (tolerance, default 5 minutes) rejects replays of an old delivery. Pure functions: a
 * receiver can copy this file as is.
 */

export const SIGNATURE_HEADER = "x-keel-signature";
export const EVENT_HEADER = "x-keel-event";
export const DELIVERY_HEADER = "x-keel-delivery";

/** A new signing secret: `whsec_` + 32 random bytes, base64url. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

const hmac = (secret: string, body: string, t: number) => createHmac("sha256", secret).update(`${t}.${body}`, "utf8").digest("hex");

/** The `x-keel-signature` value for `body` (the exact bytes sent) at `t` (unix seconds). */
export function signPayload(secret: string, body: string, t: number = Math.floor(Date.now() / 1000)): string {
  if (!Number.isInteger(t) || t < 0) throw new Error("t must be a non-negative integer (unix seconds)");
  return `t=${t},v1=${hmac(secret, body, t)}`;
}

export type VerifyResult = { ok: true; t: number } | { ok: false; reason: "malformed" | "expired" | "mismatch" };

/**
 * Check a `x-keel-signature` header against the raw body: some `v1` must equal the HMAC (compared in
 * constant time) and `t` must be within `toleranceSeconds` of `now` (unix seconds) either way.
 * Several `v1=` entries are accepted so a sender may sign with an old and a new secret while rotating.
 */
export function verifySignature(
  secret: string,
  body: string,
  header: string | null | undefined,
  toleranceSeconds = 300,
  now: number = Math.floor(Date.now() / 1000),
): VerifyResult {
  if (!header) return { ok: false, reason: "malformed" };
  let t: number | null = null;
  const sigs: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (k === "t" && /^\d{1,12}$/.test(v)) t = Number(v);
    else if (k === "v1" && /^[0-9a-f]{64}$/.test(v)) sigs.push(v);
  }
  if (t === null || sigs.length === 0) return { ok: false, reason: "malformed" };
  if (Math.abs(now - t) > toleranceSeconds) return { ok: false, reason: "expired" };
  const expected = Buffer.from(hmac(secret, body, t), "hex");
  const match = sigs.some((s) => timingSafeEqual(Buffer.from(s, "hex"), expected));
  return match ? { ok: true, t } : { ok: false, reason: "mismatch" };
}
