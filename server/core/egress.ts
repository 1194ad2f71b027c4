import dns from "node:dns";
import net, { BlockList } from "node:net";
import { Agent, buildConnector } from "undici";
import { env } from "../../env";
import { DomainError } from "./errors";
import { logger } from "./logger";

/**
 * The egress policy: the one gate every outbound call of Keel's (webhooks, providers, anything
 * later) goes through, so a project owner cannot make Keel reach, and read back, internal services.
 * The one exception is a remote tuning worker's calls to Keel itself (server/tuning/plane-http.ts):
 * that URL is the operator's, given on the worker's own command line, not a project's input, and the
 * worker process has none of the server's egress settings.
 *
 * - never (even if listed): unspecified, link-local (cloud metadata lives there: 169.254.169.254,
 *   fd00:ec2::254, and the metadata host names), multicast, broadcast and 240/4. No receiver or
 *   provider lives there, and an allow-list typo such as 0.0.0.0/0 must not open the metadata service.
 * - refused unless allowed: loopback, private ranges (10/8, 172.16/12, 192.168/16, fc00::/7), CGNAT
 *   (100.64/10) and the other special-purpose ranges. Allowed = KEEL_EGRESS_ALLOW (CIDRs) plus the
 *   instance setting "egress.allow", which the caller reads (server/core imports no domain) and passes in.
 * - public addresses: allowed.
 *
 * Checked twice: when a URL is saved (`checkEgressUrl`: a 400 naming the field) and when a
 * connection opens, on the addresses the name resolves to then (`egressConnector`), so a name that
 * is re-pointed at 127.0.0.1 after it was saved (DNS rebinding) is refused too. Endpoints the
 * operator sets in the environment (DATABASE_URL, the artifact store) do not go through here.
 */

export type AddressKind =
  | "public"
  | "loopback"
  | "private"
  | "shared (CGNAT)"
  | "reserved"
  | "unspecified"
  | "link-local"
  | "cloud metadata"
  | "multicast"
  | "broadcast";

/** Kinds no allow-list opens. */
const NEVER = new Set<AddressKind>(["unspecified", "link-local", "cloud metadata", "multicast", "broadcast"]);

/** Host names of cloud metadata services (GCP, AWS, Azure, Alibaba...), refused by name before any lookup. */
const METADATA_NAMES = new Set([
  "metadata",
  "metadata.google.internal",
  "metadata.goog",
  "instance-data",
  "instance-data.ec2.internal",
  "metadata.azure.internal",
  "metadata.tencentyun.com",
]);

// ------------------------------------------------------------------ addresses

/** An IPv6 address as 16 bytes (a zone id is dropped; a trailing dotted quad is read). */
function v6Bytes(ip: string): Uint8Array {
  let s = ip.replace(/%.*$/, "");
  const out = new Uint8Array(16);
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  let tail: number[] = [];
  if (quad?.[1]) {
    tail = quad[1].split(".").map(Number);
    s = `${s.slice(0, -quad[1].length)}0:0`;
  }
  const [head = "", rest] = s.split("::");
  const words = (part: string) => (part ? part.split(":").map((h) => Number.parseInt(h, 16)) : []);
  const a = words(head);
  const b = rest === undefined ? [] : words(rest);
  const all = [...a, ...new Array(8 - a.length - b.length).fill(0), ...b];
  all.forEach((w, i) => {
    out[2 * i] = (w >> 8) & 0xff;
    out[2 * i + 1] = w & 0xff;
  });
  if (tail.length) out.set(tail, 12);
  return out;
}

const v4Of = (b: Uint8Array, at: number) => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
const startsWith = (b: Uint8Array, prefix: number[]) => prefix.every((x, i) => b[i] === x);

/** The IPv4 address an IPv6 one stands for: IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::/96), 6to4 (2002::/16), IPv4-compatible (::a.b.c.d). */
function embeddedV4(ip: string): string | null {
  const b = v6Bytes(ip);
  const zeros = (n: number) => b.subarray(0, n).every((x) => x === 0);
  if (zeros(10) && b[10] === 0xff && b[11] === 0xff) return v4Of(b, 12);
  if (startsWith(b, [0x00, 0x64, 0xff, 0x9b]) && b.subarray(4, 12).every((x) => x === 0)) return v4Of(b, 12);
  if (startsWith(b, [0x20, 0x02])) return v4Of(b, 2);
  // ::a.b.c.d (deprecated); :: and ::1 are themselves
  if (zeros(12) && !(b[12] === 0 && b[13] === 0 && b[14] === 0 && (b[15] === 0 || b[15] === 1))) return v4Of(b, 12);
  return null;
}

function table(rows: [AddressKind, string, number][]): [AddressKind, BlockList][] {
  const byKind = new Map<AddressKind, BlockList>();
  for (const [kind, addr, len] of rows) {
    const l = byKind.get(kind) ?? new BlockList();
    byKind.set(kind, l);
    if (len === 32 || len === 128) l.addAddress(addr, net.isIPv4(addr) ? "ipv4" : "ipv6");
    else l.addSubnet(addr, len, net.isIPv4(addr) ? "ipv4" : "ipv6");
  }
  return [...byKind];
}

/** Order matters: the first match names the kind (metadata before link-local, 255.255.255.255 before 240/4). */
const V4 = table([
  ["cloud metadata", "169.254.169.254", 32],
  ["cloud metadata", "100.100.100.200", 32], // Alibaba Cloud
  ["unspecified", "0.0.0.0", 8],
  ["loopback", "127.0.0.0", 8],
  ["link-local", "169.254.0.0", 16],
  ["private", "10.0.0.0", 8],
  ["private", "172.16.0.0", 12],
  ["private", "192.168.0.0", 16],
  ["shared (CGNAT)", "100.64.0.0", 10],
  ["multicast", "224.0.0.0", 4],
  ["broadcast", "255.255.255.255", 32],
  ["broadcast", "240.0.0.0", 4],
  ["reserved", "192.0.0.0", 24],
  ["reserved", "192.0.2.0", 24],
  ["reserved", "192.88.99.0", 24],
  ["reserved", "198.18.0.0", 15],
  ["reserved", "198.51.100.0", 24],
  ["reserved", "203.0.113.0", 24],
]);
const V6 = table([
  ["cloud metadata", "fd00:ec2::254", 128],
  ["unspecified", "::", 128],
  ["loopback", "::1", 128],
  ["link-local", "fe80::", 10],
  ["private", "fc00::", 7],
  ["private", "64:ff9b:1::", 48], // local-use NAT64
  ["multicast", "ff00::", 8],
  ["reserved", "fec0::", 10],
  ["reserved", "100::", 64],
  ["reserved", "2001::", 32], // Teredo (an IPv4 address, obfuscated) and other IETF assignments
  ["reserved", "2001:db8::", 32],
]);
const GLOBAL_V6 = new BlockList();
GLOBAL_V6.addSubnet("2000::", 3, "ipv6");

/**
 * What an address is. An IPv6 address carrying an IPv4 one (mapped, NAT64, 6to4) is judged as
 * that IPv4 address: `judge` sees `v4` and checks it instead.
 */
export function classifyAddress(ip: string): { kind: AddressKind; v4?: string } {
  const family = net.isIP(ip);
  if (family === 4) {
    for (const [kind, list] of V4) if (list.check(ip, "ipv4")) return { kind };
    return { kind: "public" };
  }
  if (family !== 6) throw new Error(`not an IP address: ${ip}`);
  const bare = ip.replace(/%.*$/, "");
  const v4 = embeddedV4(bare);
  if (v4) return { ...classifyAddress(v4), v4 };
  for (const [kind, list] of V6) if (list.check(bare, "ipv6")) return { kind };
  // only 2000::/3 is global unicast; the rest is unassigned or special
  return { kind: GLOBAL_V6.check(bare, "ipv6") ? "public" : "reserved" };
}

// ------------------------------------------------------------------ the policy

export interface EgressPolicy {
  /** the allowed CIDRs, normalized and joined: identifies the policy (connection pools are per policy) */
  readonly key: string;
  readonly allowed: readonly string[];
  readonly list: BlockList;
}

/**
 * Validate CIDRs (a bare address counts as /32 or /128), comma-separated or as a list; the
 * console's instance-settings page validates "egress.allow" with it. A 400 naming `field`.
 */
export function parseCidrList(input: string | readonly string[], field = "egress.allow"): string[] {
  const items = (typeof input === "string" ? input.split(",") : input).map((s) => s.trim()).filter(Boolean);
  const out: string[] = [];
  for (const item of items) {
    const [addr = "", len, extra] = item.split("/");
    const family = net.isIP(addr);
    const max = family === 4 ? 32 : 128;
    const bits = len === undefined ? max : /^\d{1,3}$/.test(len) ? Number(len) : Number.NaN;
    if (!family || extra !== undefined || !(bits >= 0 && bits <= max) || addr.includes("%"))
      throw new DomainError("BAD_REQUEST", `${field}: ${JSON.stringify(item)} is not a CIDR such as 10.0.0.0/8 or fc00::/7`, field);
    const cidr = `${addr.toLowerCase()}/${bits}`;
    if (!out.includes(cidr)) out.push(cidr);
  }
  return out;
}

let envAllow: string[] | null = null;
/** KEEL_EGRESS_ALLOW, parsed once; a bad entry fails every outbound call loudly rather than widening anything. */
function envAllowed(): string[] {
  envAllow ??= (() => {
    try {
      return parseCidrList(env.KEEL_EGRESS_ALLOW, "KEEL_EGRESS_ALLOW");
    } catch (err) {
      throw new Error(`Invalid environment: ${(err as Error).message}`);
    }
  })();
  return envAllow;
}

const policies = new Map<string, EgressPolicy>();

/**
 * The policy: KEEL_EGRESS_ALLOW plus `extra` (the instance setting "egress.allow", read by the
 * caller). Built once per distinct list: the gateway asks for it on every call.
 */
export function egressPolicy(extra: readonly string[] = []): EgressPolicy {
  const fromEnv = envAllowed();
  const probe = `${fromEnv.join(",")}|${extra.join(",")}`;
  const hit = policies.get(probe);
  if (hit) return hit;
  const allowed = [...fromEnv];
  for (const item of extra) {
    try {
      for (const c of parseCidrList([item])) if (!allowed.includes(c)) allowed.push(c);
    } catch {
      // the console validates on save; a bad stored entry opens nothing
      logger.warn({ entry: item }, "egress.allow: ignoring an entry that is not a CIDR");
    }
  }
  const list = new BlockList();
  for (const c of allowed) {
    const [addr = "", bits] = c.split("/");
    list.addSubnet(addr, Number(bits), net.isIPv4(addr) ? "ipv4" : "ipv6");
  }
  const policy: EgressPolicy = { key: allowed.join(","), allowed, list };
  if (policies.size > 100) policies.clear();
  policies.set(probe, policy);
  return policy;
}

/** Why `ip` may not be reached under `policy` ("127.0.0.1 is loopback"), or null when it may. */
export function judgeAddress(ip: string, policy: EgressPolicy): string | null {
  const { kind, v4 } = classifyAddress(ip);
  const shown = v4 ? `${ip} (${v4})` : ip;
  if (kind === "public") return null;
  if (NEVER.has(kind)) return `${shown} is ${kind}, never allowed`;
  const listed = v4 ? policy.list.check(v4, "ipv4") : policy.list.check(ip.replace(/%.*$/, ""), net.isIPv4(ip) ? "ipv4" : "ipv6");
  return listed ? null : `${shown} is ${kind}; allow its range in KEEL_EGRESS_ALLOW or the console's egress allow-list`;
}

/** A host name refused by name alone (metadata services), with the reason; null otherwise. */
function judgeName(hostname: string): string | null {
  const h = hostname.toLowerCase().replace(/\.$/, "");
  return METADATA_NAMES.has(h) ? `${h} is a cloud metadata host, never allowed` : null;
}

/** A connection (or a save) refused by the egress policy. */
export class EgressRefusedError extends Error {
  readonly code = "EGRESS_REFUSED";
  constructor(readonly reason: string) {
    super(`refused by egress policy: ${reason}`);
    this.name = "EgressRefusedError";
  }
}

/** The egress refusal somewhere in `err`'s cause chain (fetch and undici wrap it), or null. */
export function egressRefusalOf(err: unknown): EgressRefusedError | null {
  for (let e = err, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) if (e instanceof EgressRefusedError) return e;
  return null;
}

const LOOKUP_TIMEOUT_MS = 3_000;

function lookupAll(hostname: string, family: number = 0): Promise<dns.LookupAddress[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(Object.assign(new Error(`lookup of ${hostname} timed out`), { code: "ETIMEOUT" })),
      LOOKUP_TIMEOUT_MS,
    );
    dns.lookup(hostname, { all: true, family, verbatim: true }, (err, addresses) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(addresses);
    });
  });
}

// ------------------------------------------------------------------ save time

/**
 * Check a URL about to be stored (a webhook's `url`, a provider's `baseUrl`): http(s) only, no
 * credentials in it, and its host not refused: a literal address by the policy, a name when it
 * resolves only to refused addresses (or is a metadata name). A name that does not resolve now is
 * accepted: it may be created later, and every connection is checked again when it opens.
 * Returns the URL as the WHATWG parser normalizes it (0x7f000001 becomes 127.0.0.1). 400 naming `field`.
 */
export async function checkEgressUrl(policy: EgressPolicy, raw: string, field: string): Promise<URL> {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new DomainError("BAD_REQUEST", `${field} must be an absolute http:// or https:// URL`, field);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:")
    throw new DomainError("BAD_REQUEST", `${field} must use http or https, not ${u.protocol.replace(/:$/, "")}`, field);
  // stored and listed in plain text to every admin of the project; keys go in their own (encrypted) field
  if (u.username || u.password) throw new DomainError("BAD_REQUEST", `${field} must not carry a user name or password`, field);
  const host = u.hostname.replace(/^\[|\]$/g, "");
  const refuse = (reason: string) => {
    throw new DomainError("BAD_REQUEST", `${field}: ${host} is refused by the egress policy: ${reason}`, field);
  };
  if (net.isIP(host)) {
    const why = judgeAddress(host, policy);
    if (why) refuse(why);
    return u;
  }
  const byName = judgeName(host);
  if (byName) refuse(byName);
  let addresses: dns.LookupAddress[];
  try {
    addresses = await lookupAll(host);
  } catch {
    return u;
  }
  const reasons = addresses.map((a) => judgeAddress(a.address, policy));
  if (addresses.length && reasons.every((r) => r !== null)) refuse(`it resolves to ${reasons.join("; ")}`);
  return u;
}

// ------------------------------------------------------------------ connect time

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/**
 * A `lookup` for net/tls.connect: resolves the name, keeps only the addresses the policy allows (a
 * name answering both a public address and 127.0.0.1 is connected to the public one only), and
 * fails when none is left. The socket connects to an address checked here, not to a second lookup.
 */
function guardedLookup(policy: EgressPolicy) {
  return (hostname: string, options: dns.LookupOptions, callback: LookupCallback) => {
    const byName = judgeName(hostname);
    if (byName) return callback(new EgressRefusedError(byName), "");
    lookupAll(hostname, typeof options.family === "number" ? options.family : 0).then(
      (addresses) => {
        const allowed = addresses.filter((a) => judgeAddress(a.address, policy) === null);
        if (!allowed.length) {
          const reasons = addresses.map((a) => judgeAddress(a.address, policy)).filter(Boolean);
          return callback(new EgressRefusedError(reasons.length ? reasons.join("; ") : `${hostname} did not resolve`), "");
        }
        if (options.all) return callback(null, allowed);
        const first = allowed[0] as dns.LookupAddress;
        callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ""),
    );
  };
}

type Connector = buildConnector.connector;

/**
 * An undici `connect` option enforcing the policy on every new connection: a literal address is
 * judged as is (net.connect does no lookup for it), a name through `guardedLookup`. Kept-alive
 * connections were checked when they opened.
 */
export function egressConnector(policy: EgressPolicy, opts: { timeout?: number } = {}): Connector {
  const base = buildConnector({ timeout: opts.timeout, lookup: guardedLookup(policy) } as buildConnector.BuildOptions);
  return (options, callback) => {
    const host = options.hostname.replace(/^\[|\]$/g, "");
    const why = net.isIP(host) ? judgeAddress(host, policy) : judgeName(host);
    if (why) {
      callback(new EgressRefusedError(why), null);
      return;
    }
    base(options, callback);
  };
}

const agents = new Map<string, Agent>();

/** A dispatcher for undici's `fetch(url, { dispatcher })` under `policy`, one per policy. */
export function egressDispatcher(policy: EgressPolicy): Agent {
  let a = agents.get(policy.key);
  if (!a) {
    a = new Agent({ connect: egressConnector(policy), keepAliveTimeout: 10_000 });
    agents.set(policy.key, a);
  }
  return a;
}
