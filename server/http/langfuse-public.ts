import { dispatch } from "./dispatch";
import { json } from "./json";

/**
 * Langfuse's public API paths (`/api/public/...`), for Langfuse's SDKs pointed at Keel. They
 * authenticate with `Authorization: Basic base64(publicKey:secretKey)`; a Keel key is one secret, so
 * the password must be a project's secret key `sk_...` and the user name (Langfuse's public key) may
 * be anything. The request is then served as if it had sent `Bearer sk_...`: the route table's one
 * auth step checks the key, its project and its role as for every other route.
 */
const HINT = "Send Authorization: Basic base64(publicKey:secretKey) with a Keel secret key (sk_...) as the secret key";

const unauthorized = (message: string) =>
  json({ error: { code: "UNAUTHORIZED", message } }, 401, { "www-authenticate": 'Basic realm="keel"' });

/** The secret key a Basic header carries: null when there is no Basic header, an error message when it is unusable. */
export function basicSecret(header: string | null): { key: string } | { error: string } | null {
  const m = header?.match(/^Basic\s+(\S+)\s*$/i);
  if (!m) return null;
  const decoded = Buffer.from(m[1] as string, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return { error: `Authorization: Basic is not base64 of publicKey:secretKey. ${HINT}` };
  const key = decoded.slice(colon + 1);
  if (!key.startsWith("sk_")) return { error: `The secret key in Authorization: Basic is not a Keel secret key (sk_...). ${HINT}` };
  return { key };
}

export async function serveLangfusePublic(req: Request): Promise<Response> {
  const auth = req.headers.get("authorization");
  const basic = basicSecret(auth);
  if (basic === null) return auth ? dispatch(req) : unauthorized(HINT); // a Bearer key is served as it is
  if ("error" in basic) return unauthorized(basic.error);
  const headers = new Headers(req.headers);
  headers.set("authorization", `Bearer ${basic.key}`);
  const res = await dispatch(new Request(req, { headers }));
  // the auth step's 401 speaks of Bearer keys; this caller sent Basic
  return res.status === 401 ? unauthorized(`The secret key in Authorization: Basic is not a valid Keel secret key. ${HINT}`) : res;
}
