import type { JobContext } from "../../core/queue";
import { CallFailed, withRetries } from "../generate";
import { liveTargets } from "../live";
import { closest } from "./checks";

/** Texts per embedding call: a page's answers and references go in a few calls, not one per text. */
const BATCH = 64;

export interface EmbeddingResult {
  score?: number;
  detail?: Record<string, unknown>;
}

/**
 * The cosine between each answer and its closest reference, by an embedding deployment: the page's
 * distinct texts embedded in batches (retried on failure), then compared. An answer without
 * references, or whose texts could not be embedded, is unscored with the reason; an empty one scores 0.
 */
export async function embeddingPage(
  ctx: JobContext<unknown>,
  deployment: string,
  items: { references: string[]; prediction: string | null }[],
): Promise<(EmbeddingResult | null)[]> {
  const index = new Map<string, number>();
  const texts: string[] = [];
  const idOf = (t: string) => {
    let i = index.get(t);
    if (i === undefined) {
      i = texts.length;
      index.set(t, i);
      texts.push(t);
    }
    return i;
  };
  // empty texts are not sent (providers refuse them): an empty answer says nothing like its reference
  const refsOf = (it: { references: string[] }) => it.references.filter((r) => r.trim() !== "");
  for (const it of items)
    if (it.prediction !== null && it.prediction.trim() !== "" && refsOf(it).length) for (const t of [it.prediction, ...refsOf(it)]) idOf(t);

  const vectors: (number[] | null)[] = texts.map(() => null);
  const failures: string[] = [];
  const c = { db: ctx.db, projectId: ctx.projectId as string, signal: ctx.signal };
  for (let from = 0; from < texts.length; from += BATCH) {
    const batch = texts.slice(from, from + BATCH);
    const r = await withRetries(ctx.signal, async () => {
      try {
        return await liveTargets().embed(c, deployment, batch);
      } catch (err) {
        throw new CallFailed((err as Error).message, true);
      }
    });
    if ("error" in r) failures.push(r.error);
    else for (const [i, v] of r.value.entries()) vectors[from + i] = v;
  }

  return items.map((it) => {
    if (it.prediction === null) return null;
    const references = refsOf(it);
    if (!references.length) return { detail: { unscored: true, reason: "the row has no reference to compare with" } };
    if (it.prediction.trim() === "") return { score: 0, detail: { reason: "the answer is empty" } };
    const answer = vectors[index.get(it.prediction) as number];
    const refs = references.map((t) => vectors[index.get(t) as number]);
    if (!answer || refs.some((v) => !v))
      return { detail: { unscored: true, reason: `deployment ${deployment} could not embed the texts: ${failures[0] ?? "no vector"}` } };
    const best = closest(answer, refs as number[][]);
    // `closest`: the reference's index among the row's own (empty ones included)
    return best ? { score: best.cosine, detail: { closest: it.references.indexOf(references[best.index] as string) } } : null;
  });
}
