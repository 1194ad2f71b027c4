import { readFile } from "node:fs/promises";
import { type ErrorShape, type HandlerEntry, handlerRoute, type Method, type RouteEntry } from "./entry";
import { json } from "./json";
import { openApiDocument } from "./openapi";
import type { Params } from "./routes";
import { HANDLER_ROUTES } from "./routes-handlers";
import { LANGFUSE_ROUTES } from "./routes-langfuse";
import { OTEL_ROUTES } from "./routes-otel";
import { PROCEDURE_ROUTES } from "./routes-procedures";
import { PROMPT_ROUTES } from "./routes-prompts";
import { REGISTRY_TABLE } from "./routes-registry";
import { TRACE_ROUTES } from "./routes-traces";
import { WORKER_ROUTES } from "./routes-workers";

let document: unknown = null;

const OPENAPI: HandlerEntry = handlerRoute({
  method: "GET",
  path: "/api/v1/openapi.json",
  tag: "meta",
  summary: "This document: every public endpoint, generated from the route table",
  auth: ["none"],
  role: null,
  request: "none",
  response: "json",
  errors: "keel",
  handle: async () => {
    document ??= openApiDocument(ROUTE_TABLE);
    return json(document, 200, { "cache-control": "no-cache" });
  },
});

/** Next serves public/widget.js itself; the entry documents it and serves it where a server routes here. */
const WIDGET: HandlerEntry = handlerRoute({
  method: "GET",
  path: "/widget.js",
  tag: "logs",
  summary: "The embeddable rating widget (a public key and data attributes configure it)",
  auth: ["none"],
  role: null,
  request: "none",
  response: "javascript",
  errors: "keel",
  handle: async () =>
    new Response(await readFile(new URL("../../public/widget.js", import.meta.url)), {
      headers: { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=300" },
    }),
});

/** Every public HTTP endpoint Keel serves (tRPC's own `/api/trpc` aside): one entry each. */
export const ROUTE_TABLE: readonly RouteEntry[] = [
  ...PROCEDURE_ROUTES,
  ...REGISTRY_TABLE,
  ...PROMPT_ROUTES,
  ...HANDLER_ROUTES,
  ...OTEL_ROUTES,
  ...TRACE_ROUTES,
  ...LANGFUSE_ROUTES,
  ...WORKER_ROUTES,
  OPENAPI,
  WIDGET,
];

interface Compiled {
  entry: RouteEntry;
  segs: string[];
  /** the index of a `*rest` segment, -1 if none */
  rest: number;
}
const compile = (entry: RouteEntry): Compiled => {
  const segs = entry.path.split("/").filter(Boolean);
  return { entry, segs, rest: segs.findIndex((s) => s.startsWith("*")) };
};
/**
 * Paths without params by their exact text (one map lookup), entries with `:params` by segment count
 * (a request is compared only with those of its length), then the few with a `*rest`.
 */
const exact = new Map<string, Compiled[]>();
const byLength = new Map<number, Compiled[]>();
const withRest: Compiled[] = [];
const keyOf = (segs: readonly string[]) => `/${segs.join("/")}`;
for (const c of ROUTE_TABLE.map(compile)) {
  if (c.rest >= 0) withRest.push(c);
  else if (c.segs.some((seg) => seg.startsWith(":"))) byLength.set(c.segs.length, [...(byLength.get(c.segs.length) ?? []), c]);
  else exact.set(keyOf(c.segs), [...(exact.get(keyOf(c.segs)) ?? []), c]);
}

const decode = (s: string): string | null => {
  try {
    return decodeURIComponent(s);
  } catch {
    return null; // malformed %-escape: no route matches it (a 404, not a 500)
  }
};

/** Literal segments are compared first (cheap, and most entries fail there); only then are params decoded. */
function match(c: Compiled, path: readonly string[]): Params | null {
  const { segs, rest } = c;
  if (rest >= 0 ? path.length <= rest : path.length !== segs.length) return null;
  const last = rest >= 0 ? rest : segs.length;
  for (let i = 0; i < last; i++) {
    const seg = segs[i] as string;
    const raw = path[i] as string;
    if (seg.charCodeAt(0) !== 58 /* : */ && seg !== raw && (!raw.includes("%") || decode(raw) !== seg)) return null;
  }
  const params: Params = {};
  for (let i = 0; i < last; i++) {
    const seg = segs[i] as string;
    if (seg.charCodeAt(0) !== 58) continue;
    const val = decode(path[i] as string);
    if (val === null) return null;
    params[seg.slice(1)] = val;
  }
  if (rest >= 0) {
    const tail = path.slice(rest).map(decode);
    if (tail.includes(null)) return null;
    params[(segs[rest] as string).slice(1)] = tail.join("/");
  }
  return params;
}

const NONE: Compiled[] = [];

/** The entry for a request: a hit, the methods the path allows (a 405), or null (a 404). */
export function findRoute(
  method: string,
  pathname: string,
): { entry: RouteEntry; params: Params } | { allow: Method[]; errors: ErrorShape } | null {
  // HEAD is GET without the body (RFC 9110): node:http drops the body it writes for a HEAD request
  if (method === "HEAD") method = "GET";
  const path = pathname.split("/").filter(Boolean);
  const allow: Method[] = [];
  let errors: ErrorShape = "keel";
  const key = keyOf(path);
  const literal = exact.get(key.includes("%") ? (decode(key) ?? "") : key) ?? NONE;
  for (const list of [literal, byLength.get(path.length) ?? NONE, withRest]) {
    for (const c of list) {
      const params = match(c, path);
      if (!params) continue;
      if (c.entry.method === method) return { entry: c.entry, params };
      if (!allow.includes(c.entry.method)) allow.push(c.entry.method);
      errors = c.entry.errors;
    }
  }
  return allow.length ? { allow, errors } : null;
}
