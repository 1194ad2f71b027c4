import { Readable } from "node:stream";
import type { z } from "zod";
import type { Db } from "../../db/client";
import { DomainError } from "../core/errors";
import {
  createExperiment,
  createExperimentInput,
  createRun,
  createRunInput,
  ensureExperiment,
  getExperiment,
  getRunDetail,
  listExperiments,
  listExperimentsInput,
  listRunArtifacts,
  logBatch,
  logInput,
  metricHistoryJson,
  openRunArtifact,
  putRunArtifact,
  searchRuns,
  searchRunsInput,
  updateRun,
  updateRunInput,
} from "../registry";
import { type Actor, actorOf, atLeast, type ProjectAccess } from "../workspace";
import { json, jsonError } from "./json";
import { readJson } from "./request";
import { scopedAccess } from "./scope";

interface Scope {
  db: Db;
  actor: Actor;
  project: ProjectAccess;
  url: URL;
  req: Request;
}
interface Route {
  method: "GET" | "POST" | "PATCH" | "PUT";
  /** `:name` is one segment, `*name` the rest of the path (at least one segment) */
  pattern: string;
  write?: boolean;
  handle: (s: Scope, params: Record<string, string>) => Promise<Response>;
}

/** Validate with a contract schema; the first issue becomes a 400 naming its field. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const res = schema.safeParse(value);
  if (res.success) return res.data;
  const issue = res.error.issues[0];
  const field = issue?.path.map(String).join(".") || undefined;
  throw new DomainError("BAD_REQUEST", `${field ? `${field}: ` : ""}${issue?.message ?? "invalid input"}`, field);
}

async function body(req: Request): Promise<Record<string, unknown>> {
  const parsed = await readJson(req);
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    throw new DomainError("BAD_REQUEST", "Request body must be a JSON object");
  return parsed as Record<string, unknown>;
}

const query = (url: URL, names: string[], numbers: string[] = []) => {
  const out: Record<string, unknown> = {};
  for (const n of names) {
    const v = url.searchParams.get(n);
    if (v !== null) out[n] = numbers.includes(n) && /^\d+$/.test(v) ? Number(v) : v;
  }
  return out;
};

/** `"NaN"`, `"Infinity"` and numeric strings (as MLflow clients send them) to numbers; the service refuses non-finite ones. */
export const metricValue = (v: unknown): number =>
  typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : Number.NaN;

const ROUTES: Route[] = [
  {
    method: "GET",
    pattern: "/experiments",
    handle: async (s) => {
      const q = query(s.url, ["cursor", "limit", "lifecycle", "search"], ["limit"]);
      return json(await listExperiments(s.db, s.project.id, parseInput(listExperimentsInput, q)));
    },
  },
  {
    method: "POST",
    pattern: "/experiments",
    write: true,
    handle: async (s) =>
      json(await createExperiment(s.db, s.actor, s.project.id, parseInput(createExperimentInput, await body(s.req))), 201),
  },
  { method: "GET", pattern: "/experiments/:id", handle: async (s, p) => json(await getExperiment(s.db, s.project.id, p.id as string)) },
  {
    method: "GET",
    pattern: "/experiments/:id/runs",
    handle: async (s, p) => {
      const q = query(s.url, ["filter", "order_by", "orderBy", "cursor", "limit", "lifecycle"], ["limit"]);
      const input = parseInput(searchRunsInput, {
        experimentIds: [p.id],
        filter: q.filter,
        orderBy: q.order_by ?? q.orderBy,
        cursor: q.cursor,
        limit: q.limit,
        lifecycle: q.lifecycle,
      });
      return json(await searchRuns(s.db, s.project.id, input));
    },
  },
  {
    method: "POST",
    pattern: "/runs",
    write: true,
    handle: async (s) => {
      const b = parseInput(createRunInput, await body(s.req));
      const experimentId = b.experimentId ?? (await ensureExperiment(s.db, s.actor, s.project.id, b.experiment as string)).id;
      const run = await createRun(s.db, s.actor, s.project.id, { ...b, experimentId });
      return json(run, 201);
    },
  },
  { method: "GET", pattern: "/runs/:id", handle: async (s, p) => json(await getRunDetail(s.db, s.project.id, p.id as string)) },
  {
    method: "PATCH",
    pattern: "/runs/:id",
    write: true,
    handle: async (s, p) => json(await updateRun(s.db, s.project.id, p.id as string, parseInput(updateRunInput, await body(s.req)))),
  },
  {
    method: "POST",
    pattern: "/runs/:id/log",
    write: true,
    handle: async (s, p) => {
      const b = parseInput(logInput, await body(s.req));
      const metrics = (b.metrics ?? []).map((m) => ({ ...m, value: metricValue(m.value) }));
      await logBatch(s.db, s.project.id, p.id as string, { metrics, params: b.params, tags: b.tags });
      return json({ metrics: metrics.length, params: Object.keys(b.params ?? {}).length, tags: Object.keys(b.tags ?? {}).length });
    },
  },
  {
    method: "GET",
    pattern: "/runs/:id/metrics/*key",
    handle: async (s, p) => {
      const q = query(s.url, ["cursor", "limit"]);
      const limit = q.limit === undefined ? undefined : /^\d{1,9}$/.test(String(q.limit)) ? Number(q.limit) : Number.NaN;
      const body = await metricHistoryJson(s.db, s.project.id, p.id as string, p.key as string, { cursor: q.cursor as string, limit });
      return new Response(body, { headers: { "content-type": "application/json" } });
    },
  },
  {
    method: "GET",
    pattern: "/runs/:id/artifacts",
    handle: async (s, p) =>
      json({ items: await listRunArtifacts(s.db, s.project.id, p.id as string, s.url.searchParams.get("prefix") ?? "") }),
  },
  {
    method: "PUT",
    pattern: "/runs/:id/artifacts/*path",
    write: true,
    handle: async (s, p) => {
      const stream = s.req.body ?? Readable.from([]);
      return json(await putRunArtifact(s.db, s.project.id, p.id as string, p.path as string, stream), 201);
    },
  },
  {
    method: "GET",
    pattern: "/runs/:id/artifacts/*path",
    handle: async (s, p) => downloadArtifact(s.db, s.project.id, p.id as string, p.path as string),
  },
];

/** An artifact as a streamed download (shared with the MLflow artifact proxy). */
export async function downloadArtifact(db: Db, projectId: string, runId: string, path: string): Promise<Response> {
  const { entry, stream } = await openRunArtifact(db, projectId, runId, path);
  const name = path.split("/").pop() ?? "artifact";
  return new Response(Readable.toWeb(stream) as ReadableStream, {
    headers: {
      "content-type": "application/octet-stream",
      "content-length": String(entry.size),
      "content-disposition": `attachment; filename="${name.replace(/[^\w.-]+/g, "_")}"`,
      etag: `"${entry.sha256}"`,
    },
  });
}

export function matchRoute(pattern: string, path: string): Record<string, string> | null {
  const a = pattern.split("/").filter(Boolean);
  const b = path.split("/").filter(Boolean);
  const params: Record<string, string> = {};
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

/** `/api/v1/experiments/...` and `/api/v1/runs/...` (experiment tracking). `path` is after /api/v1. */
export async function handleRuns(req: Request, path: string): Promise<Response> {
  try {
    const candidates = ROUTES.map((r) => ({ r, params: matchRoute(r.pattern, path) })).filter((c) => c.params);
    if (!candidates.length) throw new DomainError("NOT_FOUND", `No route ${req.method} /api/v1${path}`);
    const hit = candidates.find((c) => c.r.method === req.method);
    if (!hit?.params) {
      const allow = [...new Set(candidates.map((c) => c.r.method))].join(", ");
      return json({ error: { code: "METHOD_NOT_SUPPORTED", message: `${req.method} is not allowed here; use ${allow}` } }, 405, { allow });
    }
    const { db, principal, project } = await scopedAccess(req);
    if (hit.r.write && !atLeast(project.role, "engineer"))
      throw new DomainError("FORBIDDEN", `You act as ${project.role} here; this needs engineer or higher`);
    return await hit.r.handle({ db, actor: actorOf(principal), project, url: new URL(req.url), req }, hit.params);
  } catch (err) {
    return jsonError(err);
  }
}
