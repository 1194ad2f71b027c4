import { env } from "../../env";
import { DomainError } from "../core/errors";
import { decodeUtf8Strict, parseJsonStrict } from "../core/json-guard";

/** Header the Keel server sets from the socket (overwriting any client value). */
export const CLIENT_IP_HEADER = "x-keel-client-ip";

export function clientIp(req: Request): string {
  return req.headers.get(CLIENT_IP_HEADER) ?? "unknown";
}

/**
 * The client address Keel keys rate limits and sign-in lockout on. Without a trusted proxy it is the
 * socket's peer; any X-Forwarded-For is ignored (a client can send one). With KEEL_TRUST_PROXY=1 it is
 * the right-most X-Forwarded-For entry: the address the proxy itself saw connect, appended by the proxy;
 * entries left of it came from the client and prove nothing. One proxy hop is trusted, no more.
 */
export function clientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustProxy = env.KEEL_TRUST_PROXY,
): string {
  const peer = socketAddress || "unknown";
  if (!trustProxy || !forwardedFor) return peer;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor)
    .split(",")
    .map((h) => h.trim())
    .filter(Boolean);
  return hops.at(-1) ?? peer;
}

/**
 * Whether the browser reached Keel over TLS (cookies get `Secure`). X-Forwarded-Proto counts only with
 * KEEL_TRUST_PROXY=1: without a proxy a client could claim https (or, worse, http) for itself. With
 * several values (proxies in a chain) the last one is the trusted proxy's.
 */
export function isSecure(req: Request, trustProxy = env.KEEL_TRUST_PROXY): boolean {
  const forwarded = trustProxy ? req.headers.get("x-forwarded-proto")?.split(",").at(-1)?.trim() : undefined;
  return (forwarded || new URL(req.url).protocol.replace(":", "")) === "https";
}

export function cookieValue(req: Request, name: string): string | null {
  const header = req.headers.get("cookie");
  if (!header) return null;
  for (const part of header.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return null;
}

export function bearer(req: Request): string | null {
  const h = req.headers.get("authorization");
  const m = h?.match(/^Bearer\s+(\S+)$/i);
  return m?.[1] ?? null;
}

/** The origin browsers must send on cookie-authenticated writes. */
export function expectedOrigin(req: Request, trustProxy = env.KEEL_TRUST_PROXY): string {
  if (env.KEEL_PUBLIC_URL) return new URL(env.KEEL_PUBLIC_URL).origin;
  // X-Forwarded-Host, like -Proto, only from a trusted proxy
  const forwardedHost = trustProxy ? req.headers.get("x-forwarded-host")?.split(",").at(-1)?.trim() : undefined;
  const host = forwardedHost || req.headers.get("host") || new URL(req.url).host;
  return `${isSecure(req, trustProxy) ? "https" : "http"}://${host}`;
}

/**
 * CSRF defence for cookie auth: a write that does not use a Bearer key must come from Keel's own
 * origin. A browser always sends Origin on such requests; a cookie-bearing write without it is refused.
 */
export function checkOrigin(req: Request, hasSessionCookie: boolean): void {
  if (["GET", "HEAD", "OPTIONS"].includes(req.method) || bearer(req)) return;
  const origin = req.headers.get("origin");
  if (!origin) {
    if (hasSessionCookie) throw new DomainError("FORBIDDEN", "Cross-site request refused: missing Origin header");
    return;
  }
  if (origin !== expectedOrigin(req))
    throw new DomainError("FORBIDDEN", `Cross-site request refused: origin ${origin} is not ${expectedOrigin(req)}`);
}

/**
 * Read a request body of at most `limit` bytes (env KEEL_MAX_BODY_BYTES), as text. Invalid UTF-8 is
 * a 400, never silently replaced by U+FFFD (a stored prompt must be what the client sent).
 */
export async function readBody(req: Request, limit = env.KEEL_MAX_BODY_BYTES): Promise<string> {
  return decodeUtf8Strict(await readBodyBytes(req, limit));
}

/** Read a request body of at most `limit` bytes, as bytes (uploads decode them strictly themselves). */
export async function readBodyBytes(req: Request, limit = env.KEEL_MAX_BODY_BYTES): Promise<Uint8Array> {
  const tooLarge = () => new DomainError("PAYLOAD_TOO_LARGE", `Request body exceeds ${limit} bytes`);
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > limit) throw tooLarge();
  if (!req.body) return new Uint8Array();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

const asObject = (parsed: unknown): Record<string, unknown> => {
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    throw new DomainError("BAD_REQUEST", "Request body must be a JSON object");
  return parsed as Record<string, unknown>;
};

/** The body as a JSON object (an empty body is `{}`); anything else is a 400. */
export async function readJsonObject(req: Request, limit = env.KEEL_MAX_BODY_BYTES): Promise<Record<string, unknown>> {
  return asObject(await readJson(req, limit));
}

/**
 * The body as a JSON object with only JSON's syntax checked (size and strict UTF-8 still apply): for
 * batches whose service holds each item to the JSON rule, so one bad event is that event's 400.
 */
export async function readJsonObjectPerItem(req: Request, limit = env.KEEL_MAX_BODY_BYTES): Promise<Record<string, unknown>> {
  const text = await readBody(req, limit);
  try {
    return asObject(JSON.parse(text || "{}"));
  } catch (err) {
    if (err instanceof DomainError) throw err;
    throw new DomainError("BAD_REQUEST", `Malformed JSON body: ${(err as Error).message}`);
  }
}

/**
 * The body as JSON under Keel's one JSON rule (server/core/json-guard.ts): strict UTF-8, at most
 * KEEL_JSON_MAX_DEPTH deep, no NUL or lone surrogate, finite numbers; a 400 names the path.
 * An empty body is `{}`.
 */
export async function readJson(req: Request, limit = env.KEEL_MAX_BODY_BYTES): Promise<unknown> {
  const text = await readBody(req, limit);
  if (!text.trim()) return {};
  return parseJsonStrict(text);
}
