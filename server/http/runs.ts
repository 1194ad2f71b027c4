import { Readable } from "node:stream";
import type { Db } from "../../db/client";
import { parseOrThrow } from "../core/errors";
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
import type { ProjectContext } from "./entry";
import { json } from "./json";
import { readJsonObject } from "./request";

/** The auth step's context (project from the key or `?project=`, role checked) and the request. */
type Scope = ProjectContext & { req: Request };
export interface RunRoute {
  method: "GET" | "POST" | "PATCH" | "PUT";
  /** `:name` is one segment, `*name` the rest of the path (at least one segment) */
  pattern: string;
  /** writes need engineer or higher: the route entry's role (routes-handlers.ts) */
  write?: boolean;
  handle: (s: Scope, params: Record<string, string>) => Promise<Response>;
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

const ROUTES: RunRoute[] = [
  {
    method: "GET",
    pattern: "/experiments",
    handle: async (s) => {
      const q = query(s.url, ["cursor", "limit", "lifecycle", "search"], ["limit"]);
      return json(await listExperiments(s.db, s.project.id, parseOrThrow(listExperimentsInput, q)));
    },
  },
  {
    method: "POST",
    pattern: "/experiments",
    write: true,
    handle: async (s) =>
      json(await createExperiment(s.db, s.actor, s.project.id, parseOrThrow(createExperimentInput, await readJsonObject(s.req))), 201),
  },
  { method: "GET", pattern: "/experiments/:id", handle: async (s, p) => json(await getExperiment(s.db, s.project.id, p.id as string)) },
  {
    method: "GET",
    pattern: "/experiments/:id/runs",
    handle: async (s, p) => {
      const q = query(s.url, ["filter", "order_by", "orderBy", "cursor", "limit", "lifecycle"], ["limit"]);
      const input = parseOrThrow(searchRunsInput, {
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
      const b = parseOrThrow(createRunInput, await readJsonObject(s.req));
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
    handle: async (s, p) =>
      json(await updateRun(s.db, s.project.id, p.id as string, parseOrThrow(updateRunInput, await readJsonObject(s.req)))),
  },
  {
    method: "POST",
    pattern: "/runs/:id/log",
    write: true,
    handle: async (s, p) => {
      const b = parseOrThrow(logInput, await readJsonObject(s.req));
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

/** The routes above, declared in the route table (routes-handlers.ts). */
export const RUN_ROUTES: readonly RunRoute[] = ROUTES;
