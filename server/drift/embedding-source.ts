import { and, eq, inArray, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError } from "../core/errors";
import type { TraceFilter } from "../logs";
import { resolveVersion } from "../registry";
import { embed, type ModelSource, sourceFromVersion } from "../serving";
import type { MonitorConfig } from "./contract";
import { datasetVersionFor } from "./reference";
import { embeddingDrift as detect, type EmbeddingDriftOptions, projection2d } from "./stats/embeddings";
import { type Span, trafficWhere } from "./windows";

/**
 * Embedding drift of a monitor: the newest `maxRows` inputs (or outputs) of each window embedded
 * with a registered feature-extraction model (the bundled tiny-bert-embed by default), cached per
 * trace and model version in `drift_embeddings` so each trace is embedded once, then compared with
 * Evidently's methods (./stats/embeddings.ts) and projected to 2-D for the chart.
 */

export interface EmbeddingResult {
  field: "input" | "output";
  model: string;
  status: "tested" | "not_enough_data" | "failed";
  method: string;
  value: number | null;
  threshold: number | null;
  drift: boolean | null;
  referenceSize: number;
  currentSize: number;
  dimensions: number;
  projection: { reference: [number, number][]; current: [number, number][] } | null;
  error?: string;
}

/** The embedding model: a registered version, else (only for the default name) the bundled files. */
const BUNDLED_ID = "00000000-0000-0000-0000-000000000000";

async function embedder(db: DbOrTx, projectId: string, ref: string): Promise<{ id: string; source: ModelSource | string }> {
  const [name, version] = ref.includes("@") ? ref.split("@") : ref.includes(":") ? ref.split(":") : [ref, "production"];
  const model = name as string;
  const v = /^\d+$/.test(version ?? "") ? Number(version) : (version ?? "production");
  try {
    const resolved = await resolveVersion(db, projectId, model, v);
    return { id: resolved.id, source: await sourceFromVersion(db, projectId, model, v) };
  } catch (err) {
    if (err instanceof DomainError && err.code === "NOT_FOUND" && model === "tiny-bert-embed") return { id: BUNDLED_ID, source: model };
    if (err instanceof DomainError)
      throw new DomainError("BAD_REQUEST", `embedding model ${ref}: ${err.message}`, "config.embeddings.model");
    throw err;
  }
}

async function vectorsFor(
  db: DbOrTx,
  projectId: string,
  model: { id: string; source: ModelSource | string },
  field: "input" | "output",
  rows: { id: string; text: string | null }[],
): Promise<number[][]> {
  const e = schema.driftEmbeddings;
  const withText = rows.filter((r): r is { id: string; text: string } => !!r.text?.trim());
  const cached = new Map<string, number[]>();
  for (let i = 0; i < withText.length; i += 1000) {
    const ids = withText.slice(i, i + 1000).map((r) => r.id);
    const hits = await db
      .select({ traceId: e.traceId, vector: e.vector })
      .from(e)
      .where(and(eq(e.projectId, projectId), eq(e.modelVersionId, model.id), eq(e.field, field), inArray(e.traceId, ids)));
    // real[] comes back as shortest decimal text: fround restores the exact float32 values
    for (const h of hits) cached.set(h.traceId, h.vector.map(Math.fround));
  }
  const missing = withText.filter((r) => !cached.has(r.id));
  for (let i = 0; i < missing.length; i += 64) {
    const batch = missing.slice(i, i + 64);
    // texts are cut to 2,000 characters: the bundled model reads 512 tokens at most
    const res = await embed(
      model.source,
      batch.map((r) => r.text.slice(0, 2000)),
      { pooling: "mean", normalize: true, batchSize: 32 },
    );
    // stored as real (float32): use the float32 values now too, so a cached run computes the same figures
    const values = batch.map((r, k) => ({
      projectId,
      traceId: r.id,
      field,
      modelVersionId: model.id,
      vector: Array.from(Float32Array.from(res.vectors[k] as number[])),
    }));
    for (const v of values) cached.set(v.traceId, v.vector);
    await db.insert(e).values(values).onConflictDoNothing();
  }
  return withText.map((r) => cached.get(r.id) as number[]);
}

async function traceTexts(db: DbOrTx, where: ReturnType<typeof trafficWhere>, field: "input" | "output", limit: number) {
  const t = schema.traces;
  return db
    .select({ id: t.id, text: sql<string | null>`keel_json_text(${field === "input" ? t.input : t.output})` })
    .from(t)
    .where(where)
    .orderBy(sql`${t.timestamp} DESC`)
    .limit(limit);
}

export async function embeddingDrift(
  db: DbOrTx,
  projectId: string,
  config: MonitorConfig,
  w: { filter: TraceFilter; reference: Span | null; current: Span; minSamples: number },
): Promise<EmbeddingResult> {
  const cfg = config.embeddings as NonNullable<MonitorConfig["embeddings"]>;
  const model = await embedder(db, projectId, cfg.model);
  const curRows = await traceTexts(db, trafficWhere(projectId, w.filter, config.source.deployment, w.current), cfg.field, cfg.maxRows);
  let refRows: { id: string; text: string | null }[];
  if (config.reference.kind === "dataset") {
    const version = await datasetVersionFor(db, projectId, config.reference.dataset, config.reference.version);
    const r = schema.datasetRows;
    const text =
      cfg.field === "input" ? sql`keel_json_text(${r.input})` : sql`coalesce(${r.prediction}, keel_json_text(${r.references}->0))`;
    refRows = (
      await db
        .select({ idx: r.idx, text: sql<string | null>`${text}` })
        .from(r)
        .where(and(eq(r.projectId, projectId), eq(r.versionId, version.id)))
        .orderBy(r.idx)
        .limit(cfg.maxRows)
    ).map((x) => ({ id: `dataset:${version.id}:${x.idx}`, text: x.text }));
  } else {
    refRows = await traceTexts(
      db,
      trafficWhere(projectId, w.filter, config.source.deployment, w.reference as Span),
      cfg.field,
      cfg.maxRows,
    );
  }
  const base = {
    field: cfg.field,
    model: cfg.model,
    method: cfg.method,
    threshold: cfg.threshold ?? null,
    value: null,
    drift: null,
    dimensions: 0,
    projection: null,
  };
  const ref = await vectorsFor(db, projectId, model, cfg.field, refRows);
  const cur = await vectorsFor(db, projectId, model, cfg.field, curRows);
  if (ref.length < w.minSamples || cur.length < w.minSamples)
    return { ...base, status: "not_enough_data", referenceSize: ref.length, currentSize: cur.length };
  try {
    const options = { method: cfg.method, threshold: cfg.threshold, pcaComponents: cfg.pcaComponents } as EmbeddingDriftOptions;
    const res = detect(ref, cur, options);
    const proj = projection2d(ref, cur, { maxPoints: 300 });
    return {
      ...base,
      status: "tested",
      method: res.method,
      value: res.value,
      threshold: res.threshold,
      drift: res.drift,
      referenceSize: ref.length,
      currentSize: cur.length,
      dimensions: ref[0]?.length ?? 0,
      projection: { reference: proj.reference, current: proj.current },
    };
  } catch (err) {
    return { ...base, status: "failed", referenceSize: ref.length, currentSize: cur.length, error: (err as Error).message };
  }
}
