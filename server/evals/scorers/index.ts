import type { DbOrTx, schema } from "../../../db/client";
import type { EvalScorer } from "../../../db/schema/evals";
import { DomainError } from "../../core/errors";
import type { JobContext } from "../../core/queue";
import { type ScorerInput, scorerInput } from "../inputs";
import { liveTargets } from "../live";
import { checkTemplate } from "../target";
import { compilePattern, jsonScore, regexScore } from "./checks";
import { embeddingPage } from "./embedding";
import { type JudgeScorer, judgePage } from "./judge";
import { MAX_NUMERIC_OPTIONS } from "./verdict";

/**
 * Scorers beyond the reference metrics, run on every generated or stored answer of a run: an LLM
 * judge, embedding similarity, regex and JSON checks. Each gives flat figures keyed `<kind>.<name>`
 * (as eval items' scores are), and per item details (a judge's verdict and reasoning); an item a
 * scorer could not score (a verdict that cannot be parsed) gets `details[key].unscored = true` and no
 * figure for that key, and is counted in the run's aggregates, never scored as zero.
 */
// the scorers' input schemas live in inputs.ts (plain zod, for the console's form too)
export { type ScorerInput, scorerInput, verdictInput } from "../inputs";

type Row = typeof schema.datasetRows.$inferSelect;

export interface ScoredExtra {
  scores: Record<string, number>;
  details: Record<string, Record<string, unknown>>;
}

const bad = (i: number, s: { kind: string; name: string }, field: string, message: string) =>
  new DomainError("BAD_REQUEST", `scorers.${i} (${s.kind}.${s.name}): ${message}`, `scorers.${i}.${field}`);

/** Checks before a run is created: each scorer's configuration and what it needs exist (400 naming it). */
export async function checkScorers(db: DbOrTx, projectId: string, versionId: string, scorers: ScorerInput[]): Promise<void> {
  for (const [i, s] of scorers.entries()) {
    if (s.kind === "regex") {
      const re = compilePattern(s.pattern, s.flags);
      if (typeof re === "string") throw bad(i, s, "pattern", `the pattern does not compile: ${re}`);
    } else if (s.kind === "embedding") {
      const d = await liveTargets().resolve(db, projectId, { kind: "deployment", name: s.deployment });
      if (typeof d === "string") throw bad(i, s, "deployment", d);
      if (d.task !== "embedding")
        throw bad(i, s, "deployment", `${d.label} serves ${d.task}; embedding similarity needs an embedding deployment`);
    } else if (s.kind === "judge") {
      await checkJudge(db, projectId, versionId, i, s);
    }
  }
}

async function checkJudge(db: DbOrTx, projectId: string, versionId: string, i: number, s: Extract<ScorerInput, { kind: "judge" }>) {
  const v = s.verdict;
  if (!v)
    throw bad(
      i,
      s,
      "verdict",
      'a judge needs a verdict format: {kind: "categorical", options: [{label, score}, ...]} or {kind: "numeric", min, max}',
    );
  if (v.kind === "categorical") {
    const seen = new Set<string>();
    for (const [k, o] of v.options.entries()) {
      if (seen.has(o.label.toLowerCase()))
        throw bad(i, s, `verdict.options.${k}.label`, `a second option labelled ${JSON.stringify(o.label)}`);
      seen.add(o.label.toLowerCase());
    }
  } else if (v.max <= v.min) throw bad(i, s, "verdict.max", `a numeric verdict needs max above min (${v.min} to ${v.max})`);
  else if (v.max - v.min + 1 > MAX_NUMERIC_OPTIONS)
    throw bad(
      i,
      s,
      "verdict.max",
      `a numeric verdict spans at most ${MAX_NUMERIC_OPTIONS} whole numbers (${v.min} to ${v.max} is ${v.max - v.min + 1})`,
    );
  const d = await liveTargets().resolve(db, projectId, { kind: "deployment", name: s.deployment });
  if (typeof d === "string") throw bad(i, s, "deployment", d);
  if (d.task !== "chat" && d.task !== "completion")
    throw bad(i, s, "deployment", `${d.label} serves ${d.task}; a judge needs a deployment that generates text`);
  if (!/\{\{\s*output\s*\}\}/.test(s.rubric))
    throw bad(i, s, "rubric", "the rubric has no {{output}} placeholder, so the judge would not see the answer");
  try {
    // {{output}} is the answer judged: present in every row; the row's own placeholders must be too
    await checkTemplate(db, versionId, s.rubric, `scorers.${i}.rubric`, { output: "" });
  } catch (err) {
    if (err instanceof DomainError) throw bad(i, s, "rubric", `rubric ${err.message}`);
    throw err;
  }
}

/** A stored scorer read back as its input (checked when the run was created). */
const parsed = (s: EvalScorer): ScorerInput => scorerInput.parse(s);

/**
 * Every scorer on a page of items, in item order. Judge calls are traced and tagged
 * `eval-judge:<run id>` (the run's id from the job's payload).
 */
export async function runScorers(
  ctx: JobContext<unknown>,
  scorers: EvalScorer[],
  /** prediction null: the answer failed to generate (nothing to score) */
  items: { row: Row; prediction: string | null }[],
): Promise<ScoredExtra[]> {
  const out: ScoredExtra[] = items.map(() => ({ scores: {}, details: {} }));
  const runId = (ctx.payload as { runId?: unknown } | null)?.runId;
  for (const stored of scorers) {
    const s = parsed(stored);
    const key = `${s.kind}.${s.name}`;
    const put = (i: number, score: number | undefined, detail: Record<string, unknown> | undefined) => {
      const o = out[i] as ScoredExtra;
      if (score !== undefined) o.scores[key] = score;
      if (detail && Object.keys(detail).length) o.details[key] = detail;
    };
    if (s.kind === "regex") {
      const re = compilePattern(s.pattern, s.flags);
      if (typeof re === "string") throw new Error(`${key}: ${re}`);
      for (const [i, it] of items.entries()) if (it.prediction !== null) put(i, regexScore(re, it.prediction), undefined);
    } else if (s.kind === "json") {
      for (const [i, it] of items.entries()) {
        if (it.prediction === null) continue;
        const r = jsonScore(it.prediction, s.requiredKeys);
        put(i, r.score, r.reason ? { reason: r.reason, ...(r.missing ? { missing: r.missing } : {}) } : undefined);
      }
    } else if (s.kind === "embedding") {
      const results = await embeddingPage(
        ctx,
        s.deployment,
        items.map((it) => ({ references: it.row.references, prediction: it.prediction })),
      );
      for (const [i, r] of results.entries()) if (r) put(i, r.score, r.detail);
    } else if (s.kind === "judge" && s.verdict) {
      const results = await judgePage(ctx, typeof runId === "string" ? runId : null, s as JudgeScorer, items);
      for (const [i, r] of results.entries()) if (r) put(i, r.score, r.detail);
    }
  }
  return out;
}

export { REASONING_TOKENS, VERDICT_TOKENS } from "./judge";
