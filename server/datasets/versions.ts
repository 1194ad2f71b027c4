import { and, asc, desc, eq, gt, lt, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import type { DatasetSource } from "../../db/schema";
import { DomainError, isUniqueViolation, notFound } from "../core/errors";
import { keyset, type Page, type PageInput, toPage } from "../core/pagination";
import { type Actor, recordAudit } from "../workspace";
import type { CreateDatasetInput } from "./contract";
import { contentHash, type DatasetRow, type ParsedDataset, rowHash } from "./parse";

const d = schema.datasets;
const v = schema.datasetVersions;
const r = schema.datasetRows;

export type Dataset = typeof d.$inferSelect;
export type DatasetVersion = typeof v.$inferSelect;
export interface PreviewRow extends DatasetRow {
  idx: number;
}

/** Rows per INSERT: 8 parameters a row stays far below Postgres's 65,535. */
const CHUNK = 1000;

export async function createDataset(db: DbOrTx, actor: Actor, projectId: string, input: CreateDatasetInput): Promise<Dataset> {
  try {
    return await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(d)
        .values({ projectId, name: input.name, description: input.description ?? null })
        .returning();
      if (!row) throw new Error("insert returned nothing");
      await recordAudit(tx, actor, { projectId, action: "datasets.create", targetType: "dataset", targetId: row.id, after: input });
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new DomainError("CONFLICT", `a dataset named ${input.name} already exists`, "name");
    throw err;
  }
}

/** Newest first, keyset over (created_at, id). */
export async function listDatasets(db: DbOrTx, projectId: string, page: PageInput): Promise<Page<Dataset>> {
  const k = keyset(d.createdAt, d.id, page.cursor);
  const rows = await db
    .select()
    .from(d)
    .where(and(eq(d.projectId, projectId), k.where))
    .orderBy(...k.orderBy)
    .limit(page.limit + 1);
  return toPage(rows, page.limit);
}

export async function getDataset(db: DbOrTx, projectId: string, ref: { id?: string; name?: string }): Promise<Dataset> {
  const [row] = await db
    .select()
    .from(d)
    .where(and(eq(d.projectId, projectId), ref.id ? eq(d.id, ref.id) : eq(d.name, ref.name ?? "")));
  if (!row) throw notFound("dataset");
  return row;
}

/** The dataset of that name, created when missing, locked for the rest of the transaction (serialises version numbers). */
export async function lockDataset(tx: DbOrTx, actor: Actor, projectId: string, name: string): Promise<Dataset> {
  const [created] = await tx.insert(d).values({ projectId, name }).onConflictDoNothing().returning();
  if (created)
    await recordAudit(tx, actor, { projectId, action: "datasets.create", targetType: "dataset", targetId: created.id, after: { name } });
  const [row] = await tx
    .select()
    .from(d)
    .where(and(eq(d.projectId, projectId), eq(d.name, name)))
    .for("update");
  if (!row) throw new Error("dataset vanished");
  return row;
}

export interface AddedVersion extends DatasetVersion {
  /** false when the content equalled the latest version's, which is returned instead */
  created: boolean;
}

/**
 * A new immutable version of dataset `name` (created when missing), in one transaction. Content
 * identical to the latest version's (same hash) adds nothing and returns that version.
 */
export async function addVersion(
  db: DbOrTx,
  actor: Actor,
  projectId: string,
  name: string,
  data: ParsedDataset,
  source: DatasetSource,
): Promise<AddedVersion> {
  const hash = data.hashes?.content ?? contentHash(data.rows);
  return db.transaction(async (tx) => {
    const dataset = await lockDataset(tx, actor, projectId, name);
    const [latest] = await tx.select().from(v).where(eq(v.datasetId, dataset.id)).orderBy(desc(v.version)).limit(1);
    if (latest?.contentHash === hash) return { ...latest, created: false };
    const [version] = await tx
      .insert(v)
      .values({
        projectId,
        datasetId: dataset.id,
        version: (latest?.version ?? 0) + 1,
        contentHash: hash,
        rowCount: data.rows.length,
        columns: data.columns,
        source,
        createdBy: actor.userId,
      })
      .returning();
    if (!version) throw new Error("insert returned nothing");
    // One JSON parameter per chunk, unpacked by jsonb_to_recordset: building 8 bound parameters a row
    // through the query builder held the web event loop for 150-300 ms per 1,000 rows, which is what a
    // 1 M-row upload stalled every other request on once its parse had moved to a worker thread.
    for (let i = 0; i < data.rows.length; i += CHUNK) {
      const chunk = data.rows.slice(i, i + CHUNK).map((row, j) => ({
        i: i + j,
        in: row.input,
        r: row.references,
        p: row.prediction,
        m: row.metadata,
        h: data.hashes?.rows[i + j] ?? rowHash(row),
      }));
      await tx.execute(sql`
        INSERT INTO dataset_rows (project_id, version_id, idx, input, "references", prediction, metadata, row_hash)
        SELECT ${projectId}::uuid, ${version.id}::uuid, x.i, x."in", x.r, x.p, x.m, x.h
        FROM jsonb_to_recordset(${JSON.stringify(chunk)}::jsonb) AS x(i int, "in" jsonb, r jsonb, p text, m jsonb, h text)`);
    }
    await recordAudit(tx, actor, {
      projectId,
      action: "datasets.version.create",
      targetType: "dataset_version",
      targetId: version.id,
      after: { dataset: name, version: version.version, contentHash: hash, rowCount: version.rowCount, source },
    });
    return { ...version, created: true };
  });
}

const intCursor = (cursor: string | undefined): number | undefined => {
  if (cursor === undefined) return undefined;
  if (!/^\d{1,10}$/.test(cursor)) throw new DomainError("BAD_REQUEST", "cursor is not a cursor returned by this list", "cursor");
  return Number(cursor);
};

/** A dataset's versions, newest first, keyset over the version number. */
export async function listVersions(db: DbOrTx, projectId: string, datasetId: string, page: PageInput): Promise<Page<DatasetVersion>> {
  await getDataset(db, projectId, { id: datasetId });
  const after = intCursor(page.cursor);
  const rows = await db
    .select()
    .from(v)
    .where(and(eq(v.projectId, projectId), eq(v.datasetId, datasetId), after === undefined ? undefined : lt(v.version, after)))
    .orderBy(desc(v.version))
    .limit(page.limit + 1);
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > page.limit && last ? String(last.version) : null };
}

export async function getVersion(db: DbOrTx, projectId: string, versionId: string): Promise<DatasetVersion> {
  const [row] = await db
    .select()
    .from(v)
    .where(and(eq(v.projectId, projectId), eq(v.id, versionId)));
  if (!row) throw notFound("dataset version");
  return row;
}

export async function getVersionByNumber(db: DbOrTx, projectId: string, name: string, version: number): Promise<DatasetVersion> {
  const dataset = await getDataset(db, projectId, { name });
  const [row] = await db
    .select()
    .from(v)
    .where(and(eq(v.projectId, projectId), eq(v.datasetId, dataset.id), eq(v.version, version)));
  if (!row) throw notFound("dataset version");
  return row;
}

const rowCols = { idx: r.idx, input: r.input, references: r.references, prediction: r.prediction, metadata: r.metadata };

/** A version's rows in order, keyset over idx (the cursor is the last idx seen). */
export async function previewRows(
  db: DbOrTx,
  projectId: string,
  versionId: string,
  page: { cursor?: string; limit: number },
): Promise<Page<PreviewRow>> {
  await getVersion(db, projectId, versionId);
  return rowPage(db, projectId, versionId, page);
}

/** rowPage without the version check, for streams that checked once. */
export async function rowPage(
  db: DbOrTx,
  projectId: string,
  versionId: string,
  page: { cursor?: string; limit: number; split?: string },
): Promise<Page<PreviewRow>> {
  const after = intCursor(page.cursor);
  const rows = (await db
    .select(rowCols)
    .from(r)
    .where(
      and(
        eq(r.projectId, projectId),
        eq(r.versionId, versionId),
        after === undefined ? undefined : gt(r.idx, after),
        page.split === undefined ? undefined : sql`${r.metadata}->>'split' = ${page.split}`,
      ),
    )
    .orderBy(asc(r.idx))
    .limit(page.limit + 1)) as PreviewRow[];
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > page.limit && last ? String(last.idx) : null };
}

export interface VersionDiff {
  from: { id: string; version: number; rowCount: number };
  to: { id: string; version: number; rowCount: number };
  /** rows of `to` whose content appears nowhere in `from`, and the reverse */
  added: number;
  removed: number;
  unchanged: number;
  sample: { added: PreviewRow[]; removed: PreviewRow[] };
}

/** Rows added and removed between two versions, by each row's content hash (position ignored). */
export async function diffVersions(db: DbOrTx, projectId: string, fromId: string, toId: string, sampleSize = 20): Promise<VersionDiff> {
  const [from, to] = await Promise.all([getVersion(db, projectId, fromId), getVersion(db, projectId, toId)]);
  if (from.datasetId !== to.datasetId) throw new DomainError("BAD_REQUEST", "the versions belong to different datasets", "toVersionId");
  const onlyIn = (a: string, b: string) =>
    and(
      eq(r.projectId, projectId),
      eq(r.versionId, a),
      sql`NOT EXISTS (SELECT 1 FROM dataset_rows o WHERE o.project_id = ${projectId} AND o.version_id = ${b} AND o.row_hash = ${r.rowHash})`,
    );
  const count = async (a: string, b: string) => (await db.select({ n: sql<number>`count(*)::int` }).from(r).where(onlyIn(a, b)))[0]?.n ?? 0;
  const sample = async (a: string, b: string) =>
    (await db.select(rowCols).from(r).where(onlyIn(a, b)).orderBy(asc(r.idx)).limit(sampleSize)) as PreviewRow[];
  const [added, removed, addedSample, removedSample] = await Promise.all([
    count(to.id, from.id),
    count(from.id, to.id),
    sample(to.id, from.id),
    sample(from.id, to.id),
  ]);
  const brief = (x: DatasetVersion) => ({ id: x.id, version: x.version, rowCount: x.rowCount });
  return {
    from: brief(from),
    to: brief(to),
    added,
    removed,
    unchanged: to.rowCount - added,
    sample: { added: addedSample, removed: removedSample },
  };
}

/** The first row (of a split, when given) without a reference: the OpenAI chat export needs one per row as the answer. */
export async function firstRowWithoutReference(db: DbOrTx, projectId: string, versionId: string, split?: string): Promise<number | null> {
  const [row] = await db
    .select({ idx: r.idx })
    .from(r)
    .where(
      and(
        eq(r.projectId, projectId),
        eq(r.versionId, versionId),
        sql`jsonb_array_length(${r.references}) = 0`,
        split === undefined ? undefined : sql`${r.metadata}->>'split' = ${split}`,
      ),
    )
    .orderBy(asc(r.idx))
    .limit(1);
  return row?.idx ?? null;
}
