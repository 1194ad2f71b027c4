import type { Db } from "../../db/client";
import type { Context } from "../trpc/init";
import { principalFromApiKey, principalFromSession, SESSION_COOKIE } from "../workspace";
import { bearer, checkOrigin, clientIp, cookieValue, expectedOrigin, isSecure } from "./request";

/**
 * Authenticate a request: `Authorization: Bearer sk_...|pk_...` first, else the session cookie.
 * A cookie-authenticated write from another origin is refused here (CSRF), before any procedure runs.
 */
export async function contextFromRequest(db: Db, req: Request, resHeaders: Headers): Promise<Context> {
  const key = bearer(req);
  const sessionToken = key ? null : cookieValue(req, SESSION_COOKIE);
  checkOrigin(req, Boolean(sessionToken));
  const principal = key ? await principalFromApiKey(db, key) : sessionToken ? await principalFromSession(db, sessionToken) : null;
  let secure: boolean | undefined;
  let origin: string | undefined;
  return {
    db,
    principal,
    sessionToken: principal ? sessionToken : null,
    ip: clientIp(req),
    // computed once, when first read (sign-in's cookie, invitation links): each parses the URL, and
    // the hot handlers (ingest, ratings) need neither
    get secure() {
      secure ??= isSecure(req);
      return secure;
    },
    resHeaders,
    get origin() {
      origin ??= expectedOrigin(req);
      return origin;
    },
  };
}
