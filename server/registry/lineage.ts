import { and, eq } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { resolveVersion } from "./versions";

export interface LineageNode {
  id: string;
  kind: "dataset" | "job" | "run" | "parent" | "version" | "eval" | "alias" | "router" | "drift";
  label: string;
  detail?: string;
}
export interface LineageGraph {
  nodes: LineageNode[];
  edges: { from: string; to: string; label?: string }[];
}

/**
 * Where a version came from and where it went: dataset version → tuning job / run → version (and its
 * parent) → eval runs → aliases (→ routers, once the routing domain reads aliases).
 */
export async function versionLineage(db: DbOrTx, projectId: string, model: string, version: number): Promise<LineageGraph> {
  const ver = await resolveVersion(db, projectId, model, version);
  const self = `version:${ver.id}`;
  const nodes: LineageNode[] = [{ id: self, kind: "version", label: `${model} v${ver.version}`, detail: ver.status }];
  const edges: LineageGraph["edges"] = [];
  const upstream: string[] = [];
  if (ver.datasetVersionId) {
    const [d] = await db
      .select({ name: schema.datasets.name, version: schema.datasetVersions.version, rows: schema.datasetVersions.rowCount })
      .from(schema.datasetVersions)
      .innerJoin(schema.datasets, eq(schema.datasets.id, schema.datasetVersions.datasetId))
      .where(and(eq(schema.datasetVersions.id, ver.datasetVersionId), eq(schema.datasetVersions.projectId, projectId)));
    if (d) {
      nodes.push({ id: `dataset:${ver.datasetVersionId}`, kind: "dataset", label: `${d.name} v${d.version}`, detail: `${d.rows} rows` });
      upstream.push(`dataset:${ver.datasetVersionId}`);
    }
  }
  let producer: string | null = null;
  if (ver.tuningJobId) {
    producer = `job:${ver.tuningJobId}`;
    const [job] = await db
      .select({ number: schema.tuningJobs.number, trigger: schema.tuningJobs.trigger })
      .from(schema.tuningJobs)
      .where(and(eq(schema.tuningJobs.id, ver.tuningJobId), eq(schema.tuningJobs.projectId, projectId)));
    nodes.push({ id: producer, kind: "job", label: job ? `tuning job #${job.number}` : `tuning job ${ver.tuningJobId.slice(0, 8)}` });
    // a retraining that a drift alert proposed: the drift run it answers
    const t = job?.trigger;
    if (t?.kind === "drift") {
      const node = `drift:${t.monitorId}:${t.runId}`;
      nodes.push({ id: node, kind: "drift", label: `drift run #${t.runNumber ?? "?"}`, detail: t.monitor ?? t.monitorId });
      edges.push({ from: node, to: producer, label: "proposed" });
    }
  }
  if (ver.runId) {
    const [r] = await db
      .select({ name: schema.runs.name, experiment: schema.experiments.name, status: schema.runs.status })
      .from(schema.runs)
      .innerJoin(schema.experiments, eq(schema.experiments.id, schema.runs.experimentId))
      .where(and(eq(schema.runs.id, ver.runId), eq(schema.runs.projectId, projectId)));
    if (r) {
      nodes.push({ id: `run:${ver.runId}`, kind: "run", label: `run ${r.name}`, detail: `${r.experiment} · ${r.status}` });
      if (producer) edges.push({ from: producer, to: `run:${ver.runId}`, label: "logged" });
      producer ??= `run:${ver.runId}`;
    }
  }
  for (const u of upstream) edges.push({ from: u, to: producer ?? self, label: producer ? "trained on" : "built from" });
  if (producer) edges.push({ from: producer, to: self, label: "produced" });
  if (ver.parentVersionId) {
    // the parent may be another model's version (a tuning job's base)
    const [p] = await db
      .select({ version: schema.modelVersions.version, model: schema.registeredModels.name })
      .from(schema.modelVersions)
      .innerJoin(schema.registeredModels, eq(schema.registeredModels.id, schema.modelVersions.modelId))
      .where(eq(schema.modelVersions.id, ver.parentVersionId));
    if (p) {
      nodes.push({ id: `version:${ver.parentVersionId}`, kind: "parent", label: `${p.model} v${p.version}`, detail: "parent" });
      edges.push({ from: `version:${ver.parentVersionId}`, to: producer ?? self, label: "base" });
    }
  }
  const evals = await db
    .select({ id: schema.evalRuns.id, name: schema.evalRuns.name, status: schema.evalRuns.status })
    .from(schema.modelVersionEvals)
    .innerJoin(schema.evalRuns, eq(schema.evalRuns.id, schema.modelVersionEvals.evalRunId))
    .where(eq(schema.modelVersionEvals.versionId, ver.id));
  for (const e of evals) {
    nodes.push({ id: `eval:${e.id}`, kind: "eval", label: `eval ${e.name}`, detail: e.status });
    edges.push({ from: self, to: `eval:${e.id}`, label: "scored by" });
  }
  for (const a of ver.aliases) {
    nodes.push({ id: `alias:${a}`, kind: "alias", label: `@${a}` });
    edges.push({ from: self, to: `alias:${a}`, label: "serves as" });
  }
  return { nodes, edges };
}
