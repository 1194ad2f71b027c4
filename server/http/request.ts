import { env } from "../../env";
import { DomainError } from "../core/errors";

/** Header the Keel server sets from the socket (overwriting any client value). */
export const CLIENT_IP_HEADER = "x-keel-client-ip";

export function clientIp(req: Request): string {
  return req.headers.get(CLIENT_IP_HEADER) ?? "unknown";
}

export function isSecure(req: Request): boolean {
  return (req.headers.get("x-forwarded-proto") ?? new URL(req.url).protocol.replace(":", "")) === "https";
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
export function expectedOrigin(req: Request): string {
  if (env.KEEL_PUBLIC_URL) return new URL(env.KEEL_PUBLIC_URL).origin;
  const host = req.headers.get("x-forwarded-host") ?? req.headers.get("host") ?? new URL(req.url).host;
  return `${isSecure(req) ? "https" : "http"}://${host}`;
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

/** Read a request body of at most `limit` bytes (env KEEL_MAX_BODY_BYTES), as text. */
export async function readBody(req: Request, limit = env.KEEL_MAX_BODY_BYTES): Promise<string> {
  return Buffer.from(await readBodyBytes(req, limit)).toString("utf8");
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

/** The body as a JSON object (an empty body is `{}`); anything else is a 400. */
export async function readJsonObject(req: Request): Promise<Record<string, unknown>> {
  const parsed = await readJson(req);
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    throw new DomainError("BAD_REQUEST", "Request body must be a JSON object");
  return parsed as Record<string, unknown>;
}

export async function readJson(req: Request): Promise<unknown> {
  const text = await readBody(req);
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DomainError("BAD_REQUEST", `Malformed JSON body: ${(err as Error).message}`);
  }
}
