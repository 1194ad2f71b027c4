import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { newWebhookSecret, signPayload, verifySignature } from "./webhook-signing";

const secret = "whsec_test-secret";
const body = JSON.stringify({ id: "d1", event: "alias.moved", data: { alias: "production", note: "naïve ✓" } });
const T = 1_700_000_000;

describe("webhook signing", () => {
  it("signs t.body with HMAC-SHA256 in Stripe's header format", () => {
    const expected = createHmac("sha256", secret).update(`${T}.${body}`).digest("hex");
    expect(signPayload(secret, body, T)).toBe(`t=${T},v1=${expected}`);
  });

  it("verifies its own signature within the tolerance, either side of now", () => {
    const h = signPayload(secret, body, T);
    expect(verifySignature(secret, body, h, 300, T)).toEqual({ ok: true, t: T });
    expect(verifySignature(secret, body, h, 300, T + 300)).toEqual({ ok: true, t: T });
    expect(verifySignature(secret, body, h, 300, T - 300)).toEqual({ ok: true, t: T });
  });

  it("rejects a replay older than the tolerance, and a timestamp from the future", () => {
    const h = signPayload(secret, body, T);
    expect(verifySignature(secret, body, h, 300, T + 301)).toEqual({ ok: false, reason: "expired" });
    expect(verifySignature(secret, body, h, 60, T - 61)).toEqual({ ok: false, reason: "expired" });
  });

  it("rejects a changed body, another secret, or a re-signed timestamp", () => {
    const h = signPayload(secret, body, T);
    expect(verifySignature(secret, `${body} `, h, 300, T)).toEqual({ ok: false, reason: "mismatch" });
    expect(verifySignature("whsec_other", body, h, 300, T)).toEqual({ ok: false, reason: "mismatch" });
    // moving t forward to dodge the tolerance breaks the HMAC
    const forged = h.replace(`t=${T}`, `t=${T + 1000}`);
    expect(verifySignature(secret, body, forged, 300, T + 1000)).toEqual({ ok: false, reason: "mismatch" });
  });

  it("calls a missing or garbled header malformed", () => {
    for (const h of [null, undefined, "", "v1=abc", `t=${T}`, `t=x,v1=${"a".repeat(64)}`, `t=${T},v1=zz`])
      expect(verifySignature(secret, body, h, 300, T)).toEqual({ ok: false, reason: "malformed" });
  });

  it("accepts any of several v1 signatures (secret rotation) and ignores unknown schemes", () => {
    const good = signPayload(secret, body, T).split(",v1=")[1];
    const h = `t=${T},v0=deadbeef,v1=${"0".repeat(64)},v1=${good}`;
    expect(verifySignature(secret, body, h, 300, T)).toEqual({ ok: true, t: T });
  });

  it("refuses a non-integer timestamp when signing", () => {
    expect(() => signPayload(secret, body, 1.5)).toThrow(/unix seconds/);
  });

  it("makes whsec_ secrets of 32 random bytes", () => {
    const a = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.slice(6), "base64url")).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(a);
  });
});
