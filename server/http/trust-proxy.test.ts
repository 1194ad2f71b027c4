import { describe, expect, it } from "vitest";
import { clientAddress, expectedOrigin, isSecure } from "./request";

const r = (headers: Record<string, string>, method = "GET", url = "http://keel.test/x") => new Request(url, { method, headers });

describe("KEEL_TRUST_PROXY off (the default): forwarded headers are the client's word, ignored", () => {
  it("keeps cookies non-Secure on plain http whatever X-Forwarded-Proto says", () => {
    expect(isSecure(r({ "x-forwarded-proto": "https" }), false)).toBe(false);
    expect(isSecure(r({}), false)).toBe(false);
    // a TLS listener is still https by its own URL
    expect(isSecure(r({ "x-forwarded-proto": "http" }, "GET", "https://keel.test/x"), false)).toBe(true);
  });

  it("keys the client address on the socket, not on X-Forwarded-For", () => {
    expect(clientAddress("10.0.0.9", "1.2.3.4", false)).toBe("10.0.0.9");
    expect(clientAddress("10.0.0.9", ["1.2.3.4", "5.6.7.8"], false)).toBe("10.0.0.9");
    expect(clientAddress(undefined, undefined, false)).toBe("unknown");
  });

  it("derives the expected origin from Host alone", () => {
    const req = r({ host: "keel.test", "x-forwarded-host": "evil.test", "x-forwarded-proto": "https" });
    expect(expectedOrigin(req, false)).toBe("http://keel.test");
  });
});

describe("KEEL_TRUST_PROXY=1: the proxy's headers are believed, one hop", () => {
  it("marks a request Secure from X-Forwarded-Proto (the last value: the proxy's own)", () => {
    expect(isSecure(r({ "x-forwarded-proto": "https" }), true)).toBe(true);
    expect(isSecure(r({ "x-forwarded-proto": "http" }), true)).toBe(false);
    expect(isSecure(r({ "x-forwarded-proto": "http, https" }), true)).toBe(true);
    expect(isSecure(r({}), true)).toBe(false);
  });

  it("takes the right-most X-Forwarded-For entry: what the proxy saw; a client-sent prefix cannot pick the key", () => {
    expect(clientAddress("127.0.0.1", "203.0.113.7", true)).toBe("203.0.113.7");
    // the client sent "X-Forwarded-For: 1.1.1.1"; the proxy appended the real peer
    expect(clientAddress("127.0.0.1", "1.1.1.1, 203.0.113.7", true)).toBe("203.0.113.7");
    expect(clientAddress("127.0.0.1", ["1.1.1.1", "203.0.113.7"], true)).toBe("203.0.113.7");
    expect(clientAddress("127.0.0.1", undefined, true)).toBe("127.0.0.1");
    expect(clientAddress("127.0.0.1", " , ", true)).toBe("127.0.0.1");
  });

  it("expects cookie writes from the forwarded origin (the public one)", () => {
    const req = r({ host: "127.0.0.1:3000", "x-forwarded-host": "keel.example.com", "x-forwarded-proto": "https" }, "POST");
    expect(expectedOrigin(req, true)).toBe("https://keel.example.com");
    expect(expectedOrigin(req, false)).toBe("http://127.0.0.1:3000");
  });
});
