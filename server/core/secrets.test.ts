import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { open, seal } from "./secrets";

describe("secrets at rest", () => {
  const key = randomBytes(32);
  it("round-trips, with a fresh IV each time", () => {
    const a = seal("sk-live-123", key);
    const b = seal("sk-live-123", key);
    expect(a).not.toBe(b);
    expect(a).not.toContain("sk-live");
    expect(open(a, key)).toBe("sk-live-123");
  });
  it("refuses a wrong key and a tampered value", () => {
    const s = seal("secret", key);
    expect(() => open(s, randomBytes(32))).toThrow(/does not open/);
    const [v, iv, tag, body] = s.split(".");
    const flipped = Buffer.from(body as string, "base64url");
    flipped[0] = (flipped[0] as number) ^ 1;
    expect(() => open([v, iv, tag, flipped.toString("base64url")].join("."), key)).toThrow(/does not open/);
    expect(() => open("plain", key)).toThrow(/not a sealed secret/);
  });
});
