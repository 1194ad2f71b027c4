import { and, asc, desc, eq, inArray } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError } from "../core/errors";
import type { Actor } from "../workspace";
import { outputText } from "./build";
import type { AddTracesInput } from "./contract";
import type { DatasetRow } from "./parse";
import { type AddedVersion, addVersion, lockDataset } from "./versions";

const t = schema.traces;

/**
 * Add hand-picked traces (the explorer's selection) to dataset `name`, created when missing: a new
 * version holding the latest version's rows, then the picked traces not already in it (by
 * metadata.traceId), in the order given, as `traces` rows (input as logged, output as the reference
 * text; none without an output). One transaction: the dataset is locked before its latest rows are
 * read, so two adds at once both land. Every id must be a trace of this project (else 404, naming them).
 */
export async function addTracesToDataset(
  db: DbOrTx,
  actor: Actor,
  projectId: string,
  input: AddTracesInput,
): Promise<AddedVersion & { added: number }> {
  const ids = [...new Set(input.traceIds)];
  return db.transaction(async (tx) => {
    const found = await tx
      .select({ id: t.id, input: t.input, output: t.output, model: t.model })
      .from(t)
      .where(and(eq(t.projectId, projectId), inArray(t.id, ids)));
    const byId = new Map(found.map((x) => [x.id, x]));
    const missing = ids.filter((id) => !byId.has(id));
    if (missing.length)
      throw new DomainError(
        "NOT_FOUND",
        `no trace ${missing
          .slice(0, 5)
          .map((m) => JSON.stringify(m))
          .join(", ")} in this project`,
        "traceIds",
      );

    const dataset = await lockDataset(tx, actor, projectId, input.name);
    const v = schema.datasetVersions;
    const r = schema.datasetRows;
    const [latest] = await tx.select({ id: v.id }).from(v).where(eq(v.datasetId, dataset.id)).orderBy(desc(v.version)).limit(1);
    const kept: DatasetRow[] = latest
      ? await tx
          .select({ input: r.input, references: r.references, prediction: r.prediction, metadata: r.metadata })
          .from(r)
          .where(eq(r.versionId, latest.id))
          .orderBy(asc(r.idx))
      : [];
    const present = new Set(kept.map((row) => row.metadata?.traceId));
    const fresh = ids.filter((id) => !present.has(id)).map((id) => byId.get(id) as (typeof found)[number]);
    const rows = [
      ...kept,
      ...fresh.map((x) => ({
        input: x.input,
        references: x.output === null ? [] : [outputText(x.output)],
        prediction: null,
        metadata: { traceId: x.id, model: x.model },
      })),
    ];
    const columns = ["input", "references", ...(rows.some((x) => x.prediction !== null) ? ["prediction"] : []), "metadata"];
    const version = await addVersion(
      tx,
      actor,
      projectId,
      input.name,
      { rows, columns },
      { kind: "logs", filter: { ids }, rating: null, format: "traces" },
    );
    return { ...version, added: fresh.length };
  });
}
