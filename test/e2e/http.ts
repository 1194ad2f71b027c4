import { expect } from "vitest";

/**
 * Plain-HTTP calls to a running app with its secret key, shared by the browser tests' seeding:
 * REST (`call`) and tRPC over HTTP (superjson envelopes, no batching). `app` is null when the
 * browser tests are skipped; nothing is called then.
 */
export function httpClient(app: { url: string; key: string } | null | undefined) {
  const url = (p: string) => `${app?.url}${p}`;
  const auth = () => ({ authorization: `Bearer ${app?.key}`, "content-type": "application/json" });

  /** A request that must succeed (2xx); its JSON body (null when empty). `raw` is sent as the body as is. */
  async function call<T = any>(method: string, p: string, body?: unknown, raw?: string): Promise<T> {
    const res = await fetch(url(p), { method, headers: auth(), body: raw ?? (body === undefined ? undefined : JSON.stringify(body)) });
    const text = await res.text();
    expect(res.status, `${method} ${p}: ${text}`).toBeLessThan(300);
    return (text ? JSON.parse(text) : null) as T;
  }

  type Envelope<T> = { result: { data: { json: T } } };
  const query = async <T = any>(proc: string, input: unknown): Promise<T> =>
    (await call<Envelope<T>>("GET", `/api/trpc/${proc}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`)).result.data.json;
  const mutate = async <T = any>(proc: string, input: unknown): Promise<T> =>
    (await call<Envelope<T>>("POST", `/api/trpc/${proc}`, { json: input })).result.data.json;
  /** A tRPC procedure by path: a mutation (POST) unless told it is a query (GET). */
  const trpc = <T = any>(proc: string, input: unknown, method: "GET" | "POST" = "POST"): Promise<T> =>
    method === "GET" ? query<T>(proc, input) : mutate<T>(proc, input);

  return { url, auth, call, query, mutate, trpc };
}
