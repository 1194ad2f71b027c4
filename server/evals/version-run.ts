import { and, asc, eq, gt } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError } from "../core/errors";
import { type Actor, recordAudit } from "../workspace";
import { aggregate } from "./execute";
import { figuresOf } from "./figures";
import { parseMetricOptions, scoreOne } from "./score-jsonl";

const r = schema.evalRuns;
const rows = schema.datasetRows;
const PAGE = 256;

export interface VersionEvalInput {
  name: string;
  /** the registered model version whose own predictions are scored */
  versionId: string;
  /**
   * its answers to a batch of inputs, in order (the caller serves the version: evals does not import
   * serving). Each input is the row's text, or its chat messages where the text field holds a list.
   */
  predict: (inputs: (string | unknown[])[]) => Promise<string[]>;
  datasetVersionId: string;
  /** only rows whose metadata.split is this (the held-out split); all rows when absent */
  split?: string;
  /** where each row keeps its text (the model's input) and its expected output */
  fields: { text: string; label: string };
  /** text metrics on top of exact match (bleu, chrf, rouge), as in `keel score` */
  metrics?: Record<string, Record<string, unknown>>;
}

const textOf = (row: { input: unknown; references: string[]; metadata: Record<string, unknown> | null }, field: string): string => {
  const at = field === "input" ? row.input : field === "references" ? row.references[0] : undefined;
  if (at !== undefined) return typeof at === "string" ? at : JSON.stringify(at);
  const [head, ...rest] = field.split(".");
  let v: unknown = head === "input" ? row.input : head === "metadata" ? row.metadata : undefined;
  for (const k of rest) v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined;
  return v === undefined || v === null ? "" : String(v);
};

/**
 * An eval run of a model version's own predictions (not a stored column): each row's text goes through
 * `predict` (the version as served: a classifier's top label, a generator's greedy answer), and the
 * answer is scored against the row's label: exact match, plus any text metrics asked for. Runs in the
 * caller (a tuning worker), writes items as it goes, links the run to the version (gates and approval
 * policies read the newest succeeded run linked to a candidate), and returns the finished run.
 */
export async function evaluateVersion(db: DbOrTx, actor: Actor, projectId: string, input: VersionEvalInput, signal?: AbortSignal) {
  const textMetrics = input.metrics ?? {};
  let opts: ReturnType<typeof parseMetricOptions>;
  try {
    opts = parseMetricOptions(textMetrics);
  } catch (err) {
    throw new DomainError("BAD_REQUEST", (err as Error).message, "metrics");
  }
  const [run] = await db
    .insert(r)
    .values({
      projectId,
      name: input.name,
      datasetVersionId: input.datasetVersionId,
      target: { kind: "version", versionId: input.versionId, split: input.split ?? null, fields: input.fields },
      metrics: { exact_match: {}, ...textMetrics },
      status: "running",
      createdBy: actor.userId,
    })
    .returning();
  if (!run) throw new Error("eval run insert returned nothing");
  try {
    let after = -1;
    let n = 0;
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      const all = await db
        .select()
        .from(rows)
        .where(and(eq(rows.versionId, input.datasetVersionId), gt(rows.idx, after)))
        .orderBy(asc(rows.idx))
        .limit(PAGE);
      if (!all.length) break;
      after = all[all.length - 1]?.idx ?? after;
      const page = input.split ? all.filter((row) => (row.metadata as { split?: string } | null)?.split === input.split) : all;
      if (!page.length) continue;
      const inputs = page.map((row) => {
        const raw = input.fields.text === "input" ? row.input : undefined;
        return Array.isArray(raw) ? raw : textOf(row, input.fields.text);
      });
      const predictions = await input.predict(inputs);
      const values = page.map((row, i) => {
        const expected = textOf(row, input.fields.label).trim();
        const prediction = predictions[i] ?? "";
        return {
          projectId,
          runId: run.id,
          idx: row.idx,
          prediction,
          scores: { "exact_match.score": prediction.trim() === expected ? 1 : 0, ...figuresOf(scoreOne(prediction, [expected], opts)) },
        };
      });
      await db.insert(schema.evalItems).values(values).onConflictDoNothing();
      n += values.length;
    }
    if (n === 0)
      throw new DomainError("BAD_REQUEST", `the dataset version has no rows${input.split ? ` in split ${input.split}` : ""}`, "split");
    const aggregates = await aggregate(db, run, opts);
    const [done] = await db.update(r).set({ status: "succeeded", aggregates, finishedAt: new Date() }).where(eq(r.id, run.id)).returning();
    await db.insert(schema.modelVersionEvals).values({ projectId, versionId: input.versionId, evalRunId: run.id }).onConflictDoNothing();
    await recordAudit(db, actor, {
      projectId,
      action: "evals.run.create",
      targetType: "eval_run",
      targetId: run.id,
      after: { versionId: input.versionId, items: n },
    });
    return done ?? run;
  } catch (err) {
    await db
      .update(r)
      .set({ status: signal?.aborted ? "cancelled" : "failed", error: (err as Error).message, finishedAt: new Date() })
      .where(eq(r.id, run.id));
    throw err;
  }
}
