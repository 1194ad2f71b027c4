import http from "node:http";
import type { AddressInfo } from "node:net";
import { fetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checkEgressUrl,
  classifyAddress,
  EgressRefusedError,
  egressDispatcher,
  egressPolicy,
  egressRefusalOf,
  judgeAddress,
  parseCidrList,
} from "./egress";

const none = egressPolicy();
const host = (url: string) => new URL(url).hostname.replace(/^\[|\]$/g, "");

describe("egress policy: addresses", () => {
  // every spelling the WHATWG parser accepts for an address is judged as the address it means
  it.each([
    ["http://127.0.0.1/", "127.0.0.1", "loopback"],
    ["http://[::1]/", "::1", "loopback"],
    ["http://0x7f000001/", "127.0.0.1", "loopback"],
    ["http://2130706433/", "127.0.0.1", "loopback"],
    ["http://0177.0.0.1/", "127.0.0.1", "loopback"],
    ["http://127.1/", "127.0.0.1", "loopback"],
    ["http://[::ffff:127.0.0.1]/", "::ffff:7f00:1", "loopback"],
    ["http://[64:ff9b::7f00:1]/", "64:ff9b::7f00:1", "loopback"],
    ["http://[2002:7f00:1::]/", "2002:7f00:1::", "loopback"],
    ["http://169.254.169.254/latest/meta-data", "169.254.169.254", "cloud metadata"],
    ["http://[fd00:ec2::254]/", "fd00:ec2::254", "cloud metadata"],
    ["http://169.254.1.1/", "169.254.1.1", "link-local"],
    ["http://[fe80::1]/", "fe80::1", "link-local"],
    ["http://0.0.0.0/", "0.0.0.0", "unspecified"],
    ["http://[::]/", "::", "unspecified"],
    ["http://10.0.0.1/", "10.0.0.1", "private"],
    ["http://172.16.5.4/", "172.16.5.4", "private"],
    ["http://192.168.1.1/", "192.168.1.1", "private"],
    ["http://[fd12::1]/", "fd12::1", "private"],
    ["http://100.64.0.1/", "100.64.0.1", "shared (CGNAT)"],
    ["http://224.0.0.1/", "224.0.0.1", "multicast"],
    ["http://255.255.255.255/", "255.255.255.255", "broadcast"],
  ])("%s is %s (%s), refused by default", (url, address, kind) => {
    expect(host(url)).toBe(address);
    expect(classifyAddress(address).kind).toBe(kind);
    expect(judgeAddress(address, none)).toMatch(kind === "public" ? /^$/ : /is /);
  });

  it("public addresses pass", () => {
    for (const a of ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "172.32.0.1", "100.128.0.1"])
      expect(judgeAddress(a, none), a).toBeNull();
  });

  it("the allow-list opens loopback and private ranges, never metadata, link-local or unspecified", () => {
    const p = egressPolicy(["127.0.0.0/8", "10.0.0.0/8", "fc00::/7"]);
    expect(judgeAddress("127.0.0.1", p)).toBeNull();
    expect(judgeAddress("::ffff:127.0.0.1", p)).toBeNull();
    expect(judgeAddress("10.1.2.3", p)).toBeNull();
    expect(judgeAddress("fd12::1", p)).toBeNull();
    expect(judgeAddress("192.168.1.1", p)).toMatch(/private/);
    expect(judgeAddress("fd00:ec2::254", p)).toMatch(/cloud metadata, never/);
    const everything = egressPolicy(["0.0.0.0/0", "::/0"]);
    expect(judgeAddress("169.254.169.254", everything)).toMatch(/cloud metadata, never/);
    expect(judgeAddress("169.254.10.10", everything)).toMatch(/link-local, never/);
    expect(judgeAddress("0.0.0.0", everything)).toMatch(/unspecified, never/);
    expect(judgeAddress("::", everything)).toMatch(/unspecified, never/);
    expect(judgeAddress("10.0.0.1", everything)).toBeNull();
  });

  it("parseCidrList normalizes and refuses what is not a CIDR, naming the field", () => {
    expect(parseCidrList(" 10.0.0.0/8, 127.0.0.1 ,FC00::/7,10.0.0.0/8")).toEqual(["10.0.0.0/8", "127.0.0.1/32", "fc00::/7"]);
    expect(parseCidrList([])).toEqual([]);
    for (const bad of ["10.0.0.0/33", "example.com", "10.0.0/8", "::1/129", "10.0.0.0/8/1", "10.0.0.0/x"])
      expect(() => parseCidrList([bad], "allow")).toThrow(expect.objectContaining({ code: "BAD_REQUEST", field: "allow" }));
  });
});

describe("egress policy: URLs at save time", () => {
  it.each([
    "http://127.0.0.1:9/hook",
    "http://[::1]/",
    "http://0x7f000001/",
    "http://2130706433/",
    "http://169.254.169.254/latest/meta-data/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://METADATA.google.internal./",
    "http://10.0.0.1/",
    "http://localhost:9/",
  ])("%s is a 400 naming the field", async (url) => {
    await expect(checkEgressUrl(none, url, "url")).rejects.toMatchObject({ code: "BAD_REQUEST", field: "url" });
  });

  it("the allow-list lets loopback and private addresses be saved, never metadata", async () => {
    const p = egressPolicy(["127.0.0.0/8", "10.0.0.0/8"]);
    expect((await checkEgressUrl(p, "http://0x7f000001:8080/v1", "baseUrl")).href).toBe("http://127.0.0.1:8080/v1");
    expect((await checkEgressUrl(p, "http://10.0.0.1/", "baseUrl")).hostname).toBe("10.0.0.1");
    expect((await checkEgressUrl(p, "http://localhost:9/", "baseUrl")).hostname).toBe("localhost");
    await expect(checkEgressUrl(p, "http://169.254.169.254/", "baseUrl")).rejects.toMatchObject({ field: "baseUrl" });
    await expect(checkEgressUrl(p, "http://metadata.google.internal/", "baseUrl")).rejects.toMatchObject({ field: "baseUrl" });
  });

  it("refuses other schemes and credentials; accepts a public address and a name that does not resolve (checked at connect)", async () => {
    await expect(checkEgressUrl(none, "ftp://8.8.8.8/", "url")).rejects.toMatchObject({ field: "url" });
    await expect(checkEgressUrl(none, "file:///etc/passwd", "url")).rejects.toMatchObject({ field: "url" });
    await expect(checkEgressUrl(none, "not a url", "url")).rejects.toMatchObject({ field: "url" });
    await expect(checkEgressUrl(none, "https://u:p@8.8.8.8/", "url")).rejects.toMatchObject({ field: "url" });
    expect((await checkEgressUrl(none, "https://8.8.8.8/hook", "url")).href).toBe("https://8.8.8.8/hook");
    expect((await checkEgressUrl(none, "https://no-such-host.invalid/hook", "url")).hostname).toBe("no-such-host.invalid");
  });
});

describe("egress policy: connect time", () => {
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    server = http.createServer((_req, res) => res.end("internal secret"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  const get = (url: string, allow: string[] = []) => fetch(url, { dispatcher: egressDispatcher(egressPolicy(allow)) });

  it("refuses a literal loopback address and a name resolving to loopback (DNS rebinding: judged on the resolved address)", async () => {
    for (const url of [`http://127.0.0.1:${port}/`, `http://0x7f000001:${port}/`, `http://localhost:${port}/`]) {
      const err = await get(url).then(
        () => null,
        (e: unknown) => e,
      );
      const refusal = egressRefusalOf(err);
      expect(refusal, url).toBeInstanceOf(EgressRefusedError);
      expect(refusal?.message).toMatch(/refused by egress policy: .*loopback/);
    }
  });

  it("connects when the range is allowed", async () => {
    const res = await get(`http://localhost:${port}/`, ["127.0.0.0/8"]);
    expect(await res.text()).toBe("internal secret");
    const res2 = await get(`http://127.0.0.1:${port}/`, ["127.0.0.0/8"]);
    expect(res2.status).toBe(200);
    await res2.text();
  });
});
