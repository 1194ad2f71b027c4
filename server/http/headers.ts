import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * Security headers on every response `keel start` serves (console pages, API, static files).
 * next.config.js repeats the static ones for `next dev`, which does not run through cli/web.ts.
 */
export const BASE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  // full URLs (with trace ids, project slugs) stay on Keel's origin; other sites see the origin only
  "referrer-policy": "strict-origin-when-cross-origin",
  // for browsers older than CSP's frame-ancestors; nothing of Keel is meant to be framed (the widget is a script)
  "x-frame-options": "DENY",
};

/** JSON, files and the widget script: nothing in them is a document that may run or load anything. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * The console's policy. Scripts run only with this response's nonce (Next.js puts it on its own
 * scripts when it finds it in the request's CSP header); 'strict-dynamic' lets those load the app's
 * chunks. Styles keep 'unsafe-inline': React sets style attributes (charts, progress bars) and a
 * style cannot run code. `dev` adds what `next dev` needs: eval for React's error overlay, a websocket for HMR.
 */
export function pageCsp(nonce: string, dev = false): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${dev ? " ws: wss:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** 128 random bits, base64: unguessable, fresh per page. */
export const newNonce = (): string => randomBytes(16).toString("base64");

/** Paths that are never an HTML document: no nonce needed, the strict API policy applies. */
const notADocument = (pathname: string) =>
  pathname === "/api" || pathname.startsWith("/api/") || pathname.startsWith("/_next/static/") || pathname === "/widget.js";

/**
 * Set the headers before the response is written (handlers' own headers merge over them). For pages,
 * the nonce policy also goes on the request: Next.js reads the nonce from there while rendering. A
 * client-sent CSP request header is replaced, so a client cannot choose the nonce.
 */
export function applySecurityHeaders(req: IncomingMessage, res: ServerResponse, pathname: string): void {
  for (const [k, v] of Object.entries(BASE_SECURITY_HEADERS)) res.setHeader(k, v);
  delete req.headers["content-security-policy-report-only"];
  if (notADocument(pathname)) {
    delete req.headers["content-security-policy"];
    res.setHeader("content-security-policy", API_CSP);
    return;
  }
  const csp = pageCsp(newNonce());
  req.headers["content-security-policy"] = csp;
  res.setHeader("content-security-policy", csp);
}
