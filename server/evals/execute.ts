import { and, asc, eq, gt, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import type { JobContext } from "../core/queue";
import { figuresOf } from "./figures";
import { BleuCorpus, ChrfCorpus } from "./metrics";
import { parseMetricOptions, scoreOne } from "./score-jsonl";
import { bootstrapMean } from "./stats";

type EvalRun = typeof schema.evalRuns.$inferSelect;
const r = schema.evalRuns;
const items = schema.evalItems;
const rows = schema.datasetRows;
const PAGE = 500;

/**
 * The job: score every row (resuming after the last stored item on a retry), then the aggregates:
 * per figure the mean with a 95% bootstrap interval, and corpus BLEU / chrF over all rows.
 */
export async function executeRun(ctx: JobContext<{ runId: string }>): Promise<{ items: number }> {
  const { db } = ctx;
  const [run] = await db.select().from(r).where(eq(r.id, ctx.payload.runId));
  if (!run) return { items: 0 };
  await db.update(r).set({ status: "running", error: null }).where(eq(r.id, run.id));
  try {
    const opts = parseMetricOptions(run.metrics);
    const [version] = await db.select().from(schema.datasetVersions).where(eq(schema.datasetVersions.id, run.datasetVersionId));
    const total = version?.rowCount ?? 0;
    const [last] = await db
      .select({ idx: sql<number | null>`max(${items.idx})` })
      .from(items)
      .where(eq(items.runId, run.id));
    let after = last?.idx ?? -1;
    for (;;) {
      const page = await db
        .select()
        .from(rows)
        .where(and(eq(rows.versionId, run.datasetVersionId), gt(rows.idx, after)))
        .orderBy(asc(rows.idx))
        .limit(PAGE);
      if (!page.length) break;
      const scored = page.map((row) => ({
        projectId: run.projectId,
        runId: run.id,
        idx: row.idx,
        prediction: row.prediction ?? "",
        scores: figuresOf(scoreOne(row.prediction ?? "", row.references, opts)),
      }));
      await db.insert(items).values(scored).onConflictDoNothing();
      after = page[page.length - 1]?.idx ?? after;
      await ctx.progress(total ? (after + 1) / total : 1, `${after + 1} of ${total} items`);
    }
    const aggregates = await aggregate(db, run, opts);
    await db.update(r).set({ status: "succeeded", aggregates, finishedAt: new Date() }).where(eq(r.id, run.id));
    return { items: total };
  } catch (err) {
    await db
      .update(r)
      .set({ status: ctx.signal.aborted ? "cancelled" : "failed", error: (err as Error).message, finishedAt: new Date() })
      .where(eq(r.id, run.id));
    throw err;
  }
}

/** Per-figure means with bootstrap intervals and corpus BLEU / chrF over a run's stored items. */
export async function aggregate(db: DbOrTx, run: EvalRun, opts: ReturnType<typeof parseMetricOptions>) {
  const byFigure = new Map<string, number[]>();
  const bleu = opts.bleu ? new BleuCorpus(opts.bleu) : null;
  const chrf = opts.chrf ? new ChrfCorpus(opts.chrf) : null;
  let after = -1;
  for (;;) {
    const page = await db
      .select({ idx: items.idx, scores: items.scores, prediction: items.prediction, references: rows.references })
      .from(items)
      .innerJoin(rows, and(eq(rows.versionId, run.datasetVersionId), eq(rows.idx, items.idx)))
      .where(and(eq(items.runId, run.id), gt(items.idx, after)))
      .orderBy(asc(items.idx))
      .limit(2000);
    if (!page.length) break;
    for (const it of page) {
      for (const [k, v] of Object.entries(it.scores)) {
        const list = byFigure.get(k);
        if (list) list.push(v);
        else byFigure.set(k, [v]);
      }
      bleu?.add(it.prediction, it.references);
      chrf?.add(it.prediction, it.references);
    }
    after = page[page.length - 1]?.idx ?? after;
  }
  const means: Record<string, { mean: number; low: number; high: number; n: number }> = {};
  for (const [k, v] of byFigure) means[k] = bootstrapMean(v, { seed: 7 });
  return {
    means,
    corpus: { ...(bleu?.segments ? { bleu: bleu.score() } : {}), ...(chrf?.segments ? { chrf: { score: chrf.score().score } } : {}) },
  };
}
