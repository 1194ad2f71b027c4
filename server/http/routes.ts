/** A tiny path matcher for the handlers that still match their own paths (registry.ts): `:name` captures one segment, `*rest` the remainder. */
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
