import { and, desc, gte, lte, type SQL, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError } from "../core/errors";
import { traceWhere } from "../logs";
import type { Actor } from "../workspace";
import type { BuildFromLogsInput } from "./contract";
import type { DatasetRow } from "./parse";
import { type AddedVersion, addVersion } from "./versions";

const t = schema.traces;
const rt = schema.ratings;

/** A trace's output as reference text: a string as is, a chat message's content, else its JSON. */
export function outputText(output: unknown): string {
  if (typeof output === "string") return output;
  if (output && typeof output === "object" && typeof (output as { content?: unknown }).content === "string")
    return (output as { content: string }).content;
  return JSON.stringify(output);
}

/**
 * A new version of dataset `name` from the traces a logs filter selects (newest first, up to
 * `limit`), optionally only those with a rating of `rating.name` within [min, max]. Each row:
 * input = the trace's input, references = [its output as text], metadata = {traceId, model}.
 * Traces without input or output are skipped.
 */
export async function buildFromLogs(db: DbOrTx, actor: Actor, projectId: string, input: BuildFromLogsInput): Promise<AddedVersion> {
  const { rating } = input;
  let rated: SQL | undefined;
  if (rating) {
    const c = and(
      sql`${rt.projectId} = ${t.projectId}`,
      sql`${rt.traceId} = ${t.id}`,
      sql`${rt.name} = ${rating.name}`,
      rating.min === undefined ? undefined : gte(rt.value, rating.min),
      rating.max === undefined ? undefined : lte(rt.value, rating.max),
    );
    rated = sql`EXISTS (SELECT 1 FROM ${rt} WHERE ${c})`;
  }
  const traces = await db
    .select({ id: t.id, input: t.input, output: t.output, model: t.model })
    .from(t)
    .where(and(traceWhere(projectId, input.filter), sql`${t.input} IS NOT NULL`, sql`${t.output} IS NOT NULL`, rated))
    .orderBy(desc(t.timestamp), desc(t.id))
    .limit(input.limit);
  if (!traces.length) throw new DomainError("BAD_REQUEST", "no traces match the filter and rating condition", "filter");
  const rows: DatasetRow[] = traces.map((x) => ({
    input: x.input,
    references: [outputText(x.output)],
    prediction: null,
    metadata: { traceId: x.id, model: x.model },
  }));
  return addVersion(
    db,
    actor,
    projectId,
    input.name,
    { rows, columns: ["input", "references", "metadata"] },
    { kind: "logs", filter: input.filter as Record<string, unknown>, rating: rating ?? null },
  );
}
