import fs from "node:fs";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { artifactStore } from "../core/artifacts";
import { DomainError, notFound } from "../core/errors";
import type { Actor } from "../workspace";
import { requestMove } from "./aliases";
import { detectFormat, taskFromConfig, taskFromFormat } from "./artifact-paths";
import type { VersionMeta } from "./contract";
import { createModel } from "./models";
import { createVersion, type FileRef, type VersionView } from "./versions";

/** Every file under `dir` as a relative POSIX path, sorted. */
function walk(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join("/"))
    .sort();
}

/**
 * Register a local folder (or one file) as a new version of `model`, creating the model when missing
 * (its task read from config.json). With `fromRun`, the run's params and latest metrics come along,
 * its id goes into the lineage, and with no path the run's artifacts become the version's files.
 */
export async function registerLocal(
  db: DbOrTx,
  actor: Actor,
  projectId: string,
  model: string,
  input: { path?: string; fromRun?: string; meta?: VersionMeta },
): Promise<VersionView> {
  const meta: VersionMeta = { ...(input.meta ?? {}) };
  let files: FileRef[] = [];
  let config: { architectures?: string[] } | null = null;
  if (input.path) {
    const abs = path.resolve(input.path);
    if (!fs.existsSync(abs)) throw new DomainError("NOT_FOUND", `no such file or folder: ${input.path}`, "path");
    const store = artifactStore();
    const isDir = fs.statSync(abs).isDirectory();
    const rels = isDir ? walk(abs) : [path.basename(abs)];
    for (const rel of rels) {
      const blob = await store.putFile(isDir ? path.join(abs, rel) : abs);
      files.push({ path: rel, ...blob });
    }
    const cfg = isDir ? path.join(abs, "config.json") : null;
    if (cfg && fs.existsSync(cfg)) config = JSON.parse(fs.readFileSync(cfg, "utf8"));
  }
  if (input.fromRun) {
    const [run] = await db
      .select()
      .from(schema.runs)
      .where(and(eq(schema.runs.id, input.fromRun), eq(schema.runs.projectId, projectId)));
    if (!run) throw notFound(`run ${input.fromRun}`);
    const latest = await db.select().from(schema.runLatestMetrics).where(eq(schema.runLatestMetrics.runId, run.id));
    meta.params = { ...run.params, ...(meta.params ?? {}) };
    meta.metrics = { ...Object.fromEntries(latest.map((m) => [m.key, m.value])), ...(meta.metrics ?? {}) };
    meta.lineage = { ...(meta.lineage ?? {}), runId: run.id };
    if (!input.path)
      files = await db
        .select({ path: schema.runArtifacts.path, sha256: schema.runArtifacts.sha256, size: schema.runArtifacts.size })
        .from(schema.runArtifacts)
        .where(eq(schema.runArtifacts.runId, run.id));
  }
  const [existing] = await db
    .select({ id: schema.registeredModels.id })
    .from(schema.registeredModels)
    .where(and(eq(schema.registeredModels.projectId, projectId), eq(schema.registeredModels.name, model)));
  const task = taskFromConfig(config) ?? taskFromFormat(detectFormat(files.map((f) => f.path)));
  if (!existing) await createModel(db, actor, projectId, { name: model, task: task ?? undefined });
  return createVersion(db, actor, projectId, model, {
    files,
    meta,
    source: input.fromRun && !input.path ? { kind: "run", runId: input.fromRun } : { kind: "upload" },
  });
}

/**
 * The bundled models (`models/<name>/`) as version 1 of models of the same name, aliased production.
 * Idempotent: a model that exists is left alone.
 */
export async function registerBundled(db: DbOrTx, actor: Actor, projectId: string, modelsDir: string): Promise<string[]> {
  if (!fs.existsSync(modelsDir)) return [];
  const done: string[] = [];
  for (const entry of fs.readdirSync(modelsDir, { withFileTypes: true })) {
    const dir = path.join(modelsDir, entry.name);
    if (!entry.isDirectory() || !fs.existsSync(path.join(dir, "config.json"))) continue;
    const [exists] = await db
      .select({ id: schema.registeredModels.id })
      .from(schema.registeredModels)
      .where(and(eq(schema.registeredModels.projectId, projectId), eq(schema.registeredModels.name, entry.name)));
    if (exists) continue;
    const readme = path.join(dir, "README.md");
    const v = await registerLocal(db, actor, projectId, entry.name, {
      path: dir,
      meta: {
        description: `Bundled with Keel (models/${entry.name})`,
        card: fs.existsSync(readme) ? fs.readFileSync(readme, "utf8") : undefined,
        metadata: { framework: "transformers.js", bundled: true },
      },
    });
    await requestMove(db, actor, projectId, { model: entry.name, alias: "production", version: v.version, reason: "bundled model" });
    done.push(entry.name);
  }
  return done;
}
