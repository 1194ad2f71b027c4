import type { Readable } from "node:stream";
import { and, eq, like, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { artifactStore } from "../core/artifacts";
import { DomainError } from "../core/errors";
import { getRun, type RunArtifactEntry } from "./runs";

const a = schema.runArtifacts;

/**
 * A run artifact path: relative, `/`-separated, no empty, `.` or `..` segments, no backslashes or
 * control characters. Returned as given (never rewritten: the path is the file's name for clients).
 */
export function checkRunArtifactPath(path: string): string {
  if (!path || path.length > 1000) throw new DomainError("BAD_REQUEST", "artifact path must be 1 to 1000 characters", "path");
  if (/[\\\p{Cc}]/u.test(path) || path.startsWith("/") || path.split("/").some((s) => s === "" || s === "." || s === ".."))
    throw new DomainError("BAD_REQUEST", `artifact path ${JSON.stringify(path)} must be relative, without empty, . or .. segments`, "path");
  return path;
}

/**
 * Stream a file into the content-addressed store and record it at `path` in the run (a file
 * already there is replaced). The blob is committed before the rows: a failure leaves at most an
 * orphan blob, never a row without its bytes.
 */
/**
 * Stream an upload into the artifact store: committed, or discarded if committing fails. The caller
 * records the blob and its own row in one transaction (run artifacts, logged-model files).
 */
export async function storeUpload(
  body: Readable | AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
): Promise<{ sha256: string; size: number }> {
  const store = artifactStore();
  const staged = await store.stage(body);
  try {
    await store.commit(staged);
  } catch (err) {
    await store.discard([staged]);
    throw err;
  }
  return staged;
}

export async function putRunArtifact(
  db: DbOrTx,
  projectId: string,
  runId: string,
  path: string,
  body: Readable | AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
): Promise<RunArtifactEntry> {
  checkRunArtifactPath(path);
  const run = await getRun(db, projectId, runId);
  if (run.lifecycleStage !== "active") throw new DomainError("BAD_REQUEST", `run ${runId} is deleted; restore it first`, "runId");
  const staged = await storeUpload(body);
  return db.transaction(async (tx) => {
    await tx.insert(schema.artifactBlobs).values({ sha256: staged.sha256, size: staged.size }).onConflictDoNothing();
    const [row] = await tx
      .insert(a)
      .values({ runId: run.id, path, sha256: staged.sha256, size: staged.size })
      .onConflictDoUpdate({
        target: [a.runId, a.path],
        set: { sha256: staged.sha256, size: staged.size, createdAt: sql`date_trunc('milliseconds', clock_timestamp())` },
      })
      .returning({ path: a.path, size: a.size, sha256: a.sha256, createdAt: a.createdAt });
    if (!row) throw new Error("upsert returned nothing");
    return row;
  });
}

/** Every file of the run under `prefix` (a directory path, or all when empty), by path. */
export async function listRunArtifacts(db: DbOrTx, projectId: string, runId: string, prefix = ""): Promise<RunArtifactEntry[]> {
  const run = await getRun(db, projectId, runId);
  const dir = prefix.replace(/\/+$/, "");
  const escaped = dir.replace(/[\\%_]/g, (c) => `\\${c}`);
  return db
    .select({ path: a.path, size: a.size, sha256: a.sha256, createdAt: a.createdAt })
    .from(a)
    .where(and(eq(a.runId, run.id), dir ? like(a.path, `${escaped}/%`) : undefined))
    .orderBy(a.path);
}

export interface DirEntry {
  /** the entry's name inside the listed directory */
  name: string;
  isDir: boolean;
  /** bytes, files only */
  size: number | null;
}

/** One directory level of a flat file list (pure): files and the subdirectories that hold files. */
export function directoryLevel(files: readonly { path: string; size: number }[], dir: string): DirEntry[] {
  const base = dir.replace(/\/+$/, "");
  const seen = new Map<string, DirEntry>();
  for (const f of files) {
    if (base && !f.path.startsWith(`${base}/`)) continue;
    const rest = base ? f.path.slice(base.length + 1) : f.path;
    const slash = rest.indexOf("/");
    const name = slash < 0 ? rest : rest.slice(0, slash);
    if (!name || seen.has(name)) continue;
    seen.set(name, slash < 0 ? { name, isDir: false, size: f.size } : { name, isDir: true, size: null });
  }
  return [...seen.values()].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
}

/** The bytes of one artifact; 404 when the run has no file at `path`. */
export async function openRunArtifact(
  db: DbOrTx,
  projectId: string,
  runId: string,
  path: string,
): Promise<{ entry: RunArtifactEntry; stream: Readable }> {
  const run = await getRun(db, projectId, runId);
  const [entry] = await db
    .select({ path: a.path, size: a.size, sha256: a.sha256, createdAt: a.createdAt })
    .from(a)
    .where(and(eq(a.runId, run.id), eq(a.path, path)));
  if (!entry) throw new DomainError("NOT_FOUND", `run ${runId} has no artifact ${path}`, "path");
  return { entry, stream: artifactStore().open(entry.sha256) };
}
