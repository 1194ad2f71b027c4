import { and, desc, eq } from "drizzle-orm";
import { z } from "zod";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError } from "../core/errors";
import { assertJsonAcceptable } from "../core/json-guard";
import { addVersion, type DatasetRow, getDataset, getVersionByNumber, listVersions } from "../datasets";
import type { Actor } from "../workspace";
import { createRun, type EvalRun, getRun, runInput } from "./runs";

/**
 * An eval run and its data in one call (`keel eval run`, for CI): either rows, uploaded as a new
 * version of the named dataset in the run's own transaction (a refused run leaves no version behind),
 * or an existing version by name and number (the latest when the number is left out).
 */

/** One row as dataset uploads take it (server/datasets/parse.ts): a reference may be one string. */
const rowIn = z.object({
  input: z.unknown().refine((v) => v !== undefined && v !== null, { message: "the input is missing or empty" }),
  references: z.union([z.string(), z.array(z.string())]),
  prediction: z.string().nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).nullable().optional(),
});

/** Dataset names travel in URL paths (as server/datasets/contract.ts has them): printable, no slashes. */
const datasetName = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[^/\s\p{Cc}][^/\p{Cc}]*$/u, { message: "must be printable, without slashes or leading spaces" });

export const runWithDataInput = runInput.omit({ datasetVersionId: true }).extend({
  dataset: z.object({ name: datasetName, version: z.number().int().min(1).optional() }),
  /** rows for a new version of `dataset.name`; without them the run is of an existing version */
  rows: z.array(rowIn).min(1).max(50_000).optional(),
  /** the file the rows came from, recorded as the version's source */
  filename: z.string().max(300).optional(),
});
export type RunWithDataInput = z.infer<typeof runWithDataInput>;

const asRow = (r: z.infer<typeof rowIn>): DatasetRow => ({
  input: r.input,
  references: typeof r.references === "string" ? [r.references] : r.references,
  prediction: r.prediction ?? null,
  metadata: r.metadata ?? null,
});

/** Queue a run of uploaded rows or of a named dataset version; nothing is written when the run is refused. */
export async function createRunWithData(db: DbOrTx, actor: Actor, projectId: string, input: RunWithDataInput): Promise<EvalRun> {
  const { dataset, rows, filename, ...run } = input;
  if (!rows) {
    const versionId = await versionIdOf(db, projectId, dataset.name, dataset.version);
    return createRun(db, actor, projectId, { ...run, datasetVersionId: versionId });
  }
  if (dataset.version !== undefined)
    throw new DomainError("BAD_REQUEST", "dataset.version: rows make a new version; leave the version out", "dataset.version");
  const parsed = rows.map(asRow);
  assertJsonAcceptable(parsed, { root: "rows" }); // jsonb refuses NUL and lone surrogates: named here, not as a failed insert
  const columns = ["input", "references"];
  if (parsed.some((r) => r.prediction !== null)) columns.push("prediction");
  if (parsed.some((r) => r.metadata !== null)) columns.push("metadata");
  return db.transaction(async (tx) => {
    // identical content to the latest version reuses it (addVersion), so a re-run in CI adds no version
    const version = await addVersion(
      tx,
      actor,
      projectId,
      dataset.name,
      { rows: parsed, columns },
      { kind: "upload", format: filename?.toLowerCase().endsWith(".csv") ? "csv" : "jsonl", filename: filename ?? null },
    );
    return createRun(tx, actor, projectId, { ...run, datasetVersionId: version.id });
  });
}

/** The id of a dataset's version by number, or of its latest version. */
async function versionIdOf(db: DbOrTx, projectId: string, name: string, version?: number): Promise<string> {
  if (version !== undefined) {
    const v = await getVersionByNumber(db, projectId, name, version).catch(() => null);
    if (!v) throw new DomainError("NOT_FOUND", `dataset ${name} has no version ${version}`, "dataset.version");
    return v.id;
  }
  const d = await getDataset(db, projectId, { name }).catch(() => null);
  if (!d) throw new DomainError("NOT_FOUND", `no dataset named ${name} in this project`, "dataset.name");
  const [latest] = (await listVersions(db, projectId, d.id, { limit: 1 })).items;
  if (!latest) throw new DomainError("NOT_FOUND", `dataset ${name} has no version yet`, "dataset.name");
  return latest.id;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A run by id, or the newest succeeded run of that name (a CI baseline such as "main"). */
export async function findRun(db: DbOrTx, projectId: string, ref: string): Promise<EvalRun> {
  if (UUID.test(ref)) return getRun(db, projectId, ref);
  const r = schema.evalRuns;
  const [run] = await db
    .select()
    .from(r)
    .where(and(eq(r.projectId, projectId), eq(r.name, ref), eq(r.status, "succeeded")))
    .orderBy(desc(r.createdAt))
    .limit(1);
  if (!run) throw new DomainError("NOT_FOUND", `no succeeded eval run named ${ref} in this project`, "baseline");
  return run;
}
