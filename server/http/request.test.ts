import { describe, expect, it } from "vitest";
import { bearer, checkOrigin, cookieValue, expectedOrigin, readJson } from "./request";

const r = (headers: Record<string, string>, method = "GET", body?: string) => new Request("http://keel.test/x", { method, headers, body });

describe("request helpers", () => {
  it("reads bearer tokens and cookies", () => {
    expect(bearer(r({ authorization: "Bearer sk_abc" }))).toBe("sk_abc");
    expect(bearer(r({ authorization: "Basic abc" }))).toBeNull();
    expect(cookieValue(r({ cookie: "a=1; keel_session=tok%3D; b=2" }), "keel_session")).toBe("tok=");
    expect(cookieValue(r({}), "keel_session")).toBeNull();
  });

  it("derives the expected origin from Host and X-Forwarded-Proto", () => {
    expect(expectedOrigin(r({ host: "keel.test" }))).toBe("http://keel.test");
    // X-Forwarded-Proto counts only behind a trusted proxy (KEEL_TRUST_PROXY=1): see trust-proxy.test.ts
    expect(expectedOrigin(r({ host: "keel.example.com", "x-forwarded-proto": "https" }), true)).toBe("https://keel.example.com");
  });

  it("lets reads and Bearer writes through, checks cookie writes' origin", () => {
    expect(() => checkOrigin(r({ host: "keel.test" }), true)).not.toThrow();
    expect(() => checkOrigin(r({ host: "keel.test", authorization: "Bearer sk_x" }, "POST"), false)).not.toThrow();
    expect(() => checkOrigin(r({ host: "keel.test", origin: "http://keel.test" }, "POST"), true)).not.toThrow();
    expect(() => checkOrigin(r({ host: "keel.test", origin: "http://evil.test" }, "POST"), true)).toThrow(/origin http:\/\/evil.test/);
    expect(() => checkOrigin(r({ host: "keel.test" }, "POST"), true)).toThrow(/missing Origin/);
  });

  it("parses JSON bodies and names malformed ones", async () => {
    expect(await readJson(r({}, "POST", '{"a":1}'))).toEqual({ a: 1 });
    expect(await readJson(r({}, "POST", ""))).toEqual({});
    await expect(readJson(r({}, "POST", "{"))).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });
});
