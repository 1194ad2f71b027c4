import { and, asc, eq, gt, inArray, sql } from "drizzle-orm";
import type { z } from "zod";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError, notFound } from "../core/errors";
import { keyset, type PageInput, toPage } from "../core/pagination";
import { enqueue } from "../core/queue";
import { type Actor, recordAudit } from "../workspace";
import { runInput } from "./inputs";
import { evalRunJob } from "./jobs/run";
import { parseMetricOptions } from "./score-jsonl";
import { checkScorers } from "./scorers";
import { pairedBootstrap } from "./stats";
import { checkLiveTarget, type RunPrompt, resolvePrompt, runPromptOf } from "./target";

const r = schema.evalRuns;
const items = schema.evalItems;
const rows = schema.datasetRows;

export { runInput };
export type EvalRun = typeof r.$inferSelect;

export async function getRun(db: DbOrTx, projectId: string, runId: string): Promise<EvalRun> {
  const [run] = await db
    .select()
    .from(r)
    .where(and(eq(r.id, runId), eq(r.projectId, projectId)));
  if (!run) throw notFound("eval run");
  return run;
}

/** A run with its progress (items scored so far out of the version's rows) and its dataset. */
export async function getRunWithProgress(
  db: DbOrTx,
  projectId: string,
  runId: string,
): Promise<
  EvalRun & { itemsDone: number; itemsTotal: number; dataset: { name: string; version: number } | null; prompt: RunPrompt | null }
> {
  const run = await getRun(db, projectId, runId);
  const [done] = await db.select({ n: sql<number>`count(*)::int` }).from(items).where(eq(items.runId, run.id));
  const [version] = await db
    .select({ rowCount: schema.datasetVersions.rowCount, version: schema.datasetVersions.version, datasetName: schema.datasets.name })
    .from(schema.datasetVersions)
    .innerJoin(schema.datasets, eq(schema.datasets.id, schema.datasetVersions.datasetId))
    .where(eq(schema.datasetVersions.id, run.datasetVersionId));
  return {
    ...run,
    itemsDone: done?.n ?? 0,
    itemsTotal: version?.rowCount ?? 0,
    dataset: version ? { name: version.datasetName, version: version.version } : null,
    // the prompt version the run rendered its rows with, as resolved when it was created
    prompt: runPromptOf(run.target),
  };
}

/** Queue a run of the dataset version's stored predictions; checked before anything is written. */
export async function createRun(db: DbOrTx, actor: Actor, projectId: string, input: z.infer<typeof runInput>): Promise<EvalRun> {
  try {
    parseMetricOptions(input.metrics);
  } catch (err) {
    throw new DomainError("BAD_REQUEST", (err as Error).message, "metrics");
  }
  const [version] = await db
    .select()
    .from(schema.datasetVersions)
    .where(and(eq(schema.datasetVersions.id, input.datasetVersionId), eq(schema.datasetVersions.projectId, projectId)));
  if (!version) throw new DomainError("NOT_FOUND", "dataset version not found", "datasetVersionId");
  const target = input.target ?? { kind: "predictions" };
  const scorers = input.scorers ?? [];
  if (input.maxCost !== undefined && target.kind === "predictions" && !scorers.some((s) => s.kind === "judge" || s.kind === "embedding"))
    throw new DomainError(
      "BAD_REQUEST",
      "maxCost: a run on stored predictions without judge or embedding scorers calls no model and costs nothing",
      "maxCost",
    );
  if (target.kind !== "predictions") await checkLiveTarget(db, projectId, version.id, target);
  else await checkStoredPredictions(db, version);
  // the prompt version as it resolves now, stored with the run: a later label move does not change the run
  const prompt = target.kind !== "predictions" && target.prompt ? await resolvePrompt(db, projectId, target.prompt) : null;
  const runPrompt: RunPrompt | null = prompt
    ? {
        id: prompt.id,
        name: prompt.name,
        version: prompt.version,
        ...(target.kind !== "predictions" && target.prompt?.version === undefined ? { label: target.prompt?.label ?? "production" } : {}),
      }
    : null;
  const names = new Set<string>();
  for (const [i, s] of scorers.entries()) {
    const key = `${s.kind}.${s.name}`;
    if (names.has(key))
      throw new DomainError("BAD_REQUEST", `scorers.${i}: a second ${key}; scorer names must differ`, `scorers.${i}.name`);
    names.add(key);
  }
  await checkScorers(db, projectId, version.id, scorers);
  return db.transaction(async (tx) => {
    const [run] = await tx
      .insert(r)
      .values({
        projectId,
        name: input.name,
        datasetVersionId: version.id,
        target:
          target.kind === "predictions" ? { kind: "column", column: "prediction" } : runPrompt ? { ...target, prompt: runPrompt } : target,
        metrics: input.metrics,
        scorers,
        maxCost: input.maxCost ?? null,
        createdBy: actor.userId,
      })
      .returning();
    if (!run) throw new Error("insert returned nothing");
    // linked to the prompt version it ran, as a registry version's runs are: its labels' gates read it (registry/approvals.ts)
    if (runPrompt) await tx.insert(schema.modelVersionEvals).values({ projectId, versionId: runPrompt.id, evalRunId: run.id });
    const job = await enqueue(tx, evalRunJob, { runId: run.id }, { projectId, key: `evals.run:${run.id}`, createdBy: actor.userId });
    const [withJob] = await tx.update(r).set({ jobId: job.id }).where(eq(r.id, run.id)).returning();
    await recordAudit(tx, actor, { projectId, action: "evals.run.create", targetType: "eval_run", targetId: run.id, after: input });
    return withJob ?? run;
  });
}

/** A run on stored predictions needs one in every row. */
async function checkStoredPredictions(db: DbOrTx, version: { id: string; rowCount: number }) {
  const [missing] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(rows)
    .where(and(eq(rows.versionId, version.id), sql`${rows.prediction} IS NULL`));
  if (missing?.n)
    throw new DomainError(
      "BAD_REQUEST",
      `this dataset version has no prediction in ${missing.n} of its ${version.rowCount} rows; a run on stored predictions needs the prediction column`,
      "datasetVersionId",
    );
}

export async function listRuns(db: DbOrTx, projectId: string, page: PageInput) {
  const k = keyset(r.createdAt, r.id, page.cursor);
  const list = await db
    .select()
    .from(r)
    .where(and(eq(r.projectId, projectId), k.where))
    .orderBy(...k.orderBy)
    .limit(page.limit + 1);
  return toPage(list, page.limit);
}

export async function listItems(db: DbOrTx, projectId: string, runId: string, page: { after?: number; limit: number }) {
  const run = await getRun(db, projectId, runId);
  return db
    .select({
      idx: items.idx,
      prediction: items.prediction,
      scores: items.scores,
      error: items.error,
      answeredBy: items.answeredBy,
      latencyMs: items.latencyMs,
      cost: items.cost,
      traceId: items.traceId,
      details: items.details,
      input: rows.input,
      references: rows.references,
    })
    .from(items)
    .innerJoin(rows, and(eq(rows.versionId, run.datasetVersionId), eq(rows.idx, items.idx)))
    .where(and(eq(items.runId, run.id), gt(items.idx, page.after ?? -1)))
    .orderBy(asc(items.idx))
    .limit(page.limit);
}

/**
 * Compare run B with run A (same dataset version): per figure the paired bootstrap of B - A with
 * wins, losses and a p-value, and for `focus` the items that changed most.
 */
/** How a run is named in a comparison: its target, and a live run's cost, large share and answerers. */
function sideOf(run: EvalRun) {
  const t = run.target;
  const target =
    t.kind === "column"
      ? "predictions"
      : t.kind === "model"
        ? `model:${t.name}@${t.ref}`
        : t.kind === "version"
          ? `version:${t.versionId}`
          : `${t.kind}:${t.name}`;
  const prompt = runPromptOf(t);
  const agg = (run.aggregates ?? {}) as {
    cost?: { total?: number };
    routing?: { largeShare?: number };
    answeredBy?: Record<string, number>;
  };
  return {
    id: run.id,
    name: run.name,
    target,
    prompt: prompt ? { name: prompt.name, version: prompt.version } : null,
    cost: agg.cost?.total ?? null,
    largeShare: agg.routing?.largeShare ?? null,
    answeredBy: agg.answeredBy ?? null,
  };
}

export async function compareRuns(db: DbOrTx, projectId: string, aId: string, bId: string, focus = "bleu.score") {
  const [a, b] = [await getRun(db, projectId, aId), await getRun(db, projectId, bId)];
  // Item by item: both runs must score the same items, i.e. versions of one dataset with as many rows
  // (a new version typically holds another model's predictions for the same inputs).
  const versions = await db
    .select({ id: schema.datasetVersions.id, datasetId: schema.datasetVersions.datasetId, rowCount: schema.datasetVersions.rowCount })
    .from(schema.datasetVersions)
    .where(inArray(schema.datasetVersions.id, [a.datasetVersionId, b.datasetVersionId]));
  const va = versions.find((v) => v.id === a.datasetVersionId);
  const vb = versions.find((v) => v.id === b.datasetVersionId);
  if (!va || !vb || va.datasetId !== vb.datasetId || va.rowCount !== vb.rowCount)
    throw new DomainError("BAD_REQUEST", "runs compare only on versions of one dataset with the same rows", "bRunId");
  if (a.status !== "succeeded" || b.status !== "succeeded") throw new DomainError("CONFLICT", "both runs must have succeeded");
  const pairs = await db.execute<{ idx: number; a: Record<string, number>; b: Record<string, number> }>(sql`
    SELECT x.idx, x.scores AS a, y.scores AS b FROM eval_items x JOIN eval_items y ON y.run_id = ${b.id} AND y.idx = x.idx
    WHERE x.run_id = ${a.id} AND x.error IS NULL AND y.error IS NULL ORDER BY x.idx`);
  const figures = Object.keys(pairs[0]?.a ?? {}).filter((k) => k in (pairs[0]?.b ?? {}));
  const byFigure = Object.fromEntries(
    figures.map((f) => [
      f,
      pairedBootstrap(
        pairs.map((p) => p.a[f] ?? 0),
        pairs.map((p) => p.b[f] ?? 0),
        { seed: 7 },
      ),
    ]),
  );
  const changed = pairs
    .map((p) => ({ idx: p.idx, a: p.a[focus] ?? 0, b: p.b[focus] ?? 0, diff: (p.b[focus] ?? 0) - (p.a[focus] ?? 0) }))
    .sort((x, y) => Math.abs(y.diff) - Math.abs(x.diff))
    .slice(0, 10);
  // what those items were: input, references and both predictions
  const idxs = changed.map((c) => c.idx);
  const detail = idxs.length
    ? await db.execute<{ idx: number; input: unknown; references: string[]; pa: string; pb: string }>(sql`
        SELECT x.idx, r.input, r.references, x.prediction AS pa, y.prediction AS pb
        FROM eval_items x JOIN eval_items y ON y.run_id = ${b.id} AND y.idx = x.idx
        JOIN dataset_rows r ON r.version_id = ${a.datasetVersionId} AND r.idx = x.idx
        WHERE x.run_id = ${a.id} AND x.idx IN (${sql.join(
          idxs.map((i) => sql`${i}`),
          sql`, `,
        )})`)
    : [];
  const byIdx = new Map(detail.map((d) => [d.idx, d]));
  return {
    a: sideOf(a),
    b: sideOf(b),
    items: pairs.length,
    figures: byFigure,
    focus,
    changed: changed.map((c) => {
      const d = byIdx.get(c.idx);
      return { ...c, input: d?.input ?? null, references: d?.references ?? [], predictionA: d?.pa ?? "", predictionB: d?.pb ?? "" };
    }),
  };
}
