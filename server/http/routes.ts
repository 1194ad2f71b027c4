import { DomainError } from "../core/errors";
import { json } from "./json";

/** A tiny path matcher for the REST routes: `:name` captures one segment, `*rest` the remainder. */
export type Params = Record<string, string>;

export function matchPath(pattern: string, path: string): Params | null {
  const a = pattern.split("/").filter(Boolean);
  const b = path.split("/").filter(Boolean);
  const params: Params = {};
  for (let i = 0; i < a.length; i++) {
    const seg = a[i] as string;
    if (seg.startsWith("*")) {
      if (i >= b.length) return null;
      params[seg.slice(1)] = b.slice(i).map(decodeURIComponent).join("/");
      return params;
    }
    if (i >= b.length) return null;
    const val = decodeURIComponent(b[i] as string);
    if (seg.startsWith(":")) params[seg.slice(1)] = val;
    else if (seg !== val) return null;
  }
  return a.length === b.length ? params : null;
}

/** Query strings are text; list inputs want `limit` as a number and `status` as a list. */
export function queryInput(url: URL): Record<string, unknown> {
  const q: Record<string, unknown> = {};
  for (const [k, v] of url.searchParams) {
    if (k === "limit") q[k] = /^\d+$/.test(v) ? Number(v) : v;
    else if (k === "status") q[k] = v.split(",");
    else if (k !== "project") q[k] = v;
  }
  return q;
}

/**
 * The route of a table for `method` and `path`: a 404 DomainError when no pattern matches, a 405
 * response (with `allow`) when patterns match but none for this method.
 */
export function pickRoute<R extends { method: string; pattern: string }>(
  routes: readonly R[],
  method: string,
  path: string,
): { route: R; params: Params } | Response {
  const candidates = routes.flatMap((route) => {
    const params = matchPath(route.pattern, path);
    return params ? [{ route, params }] : [];
  });
  if (!candidates.length) throw new DomainError("NOT_FOUND", `No route ${method} /api/v1${path}`);
  const hit = candidates.find((c) => c.route.method === method);
  if (hit) return hit;
  const allow = [...new Set(candidates.map((c) => c.route.method))].join(", ");
  return json({ error: { code: "METHOD_NOT_SUPPORTED", message: `${method} is not allowed here; use ${allow}` } }, 405, { allow });
}
