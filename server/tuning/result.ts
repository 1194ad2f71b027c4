import fs from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { type Db, type DbOrTx, schema } from "../../db/client";
import { artifactStore } from "../core/artifacts";
import { DomainError } from "../core/errors";
import { chatMessages } from "../datasets";
import { evaluateVersion } from "../evals";
import { createModel, createVersion, type FileRef, getModel, requestMove, type VersionView } from "../registry";
import { classify, generate, sourceFromVersion } from "../serving";
import type { Actor } from "../workspace";
import type { Example } from "./data";
import type { TuningJob } from "./jobs";
import type { TrainerOutput } from "./trainer";

/** What happens after a trainer returns: registering its files, the eval run and the promotion request. */

const j = schema.tuningJobs;

/** Why a running job stops before its end: it is cancelled, out of wall time, or its worker shuts down. */
export class Stop extends Error {
  constructor(
    message: string,
    readonly kind: "cancelled" | "timeout" | "shutdown" | "lost",
  ) {
    super(message);
  }
}

/**
 * After success: an eval run of the new version on the dataset's held-out split (exact match; ROUGE
 * too for generators), linked to the version; then, when the job asks for an alias, a move request:
 * the model's approval policy and its gates (which read that eval run) decide whether it moves, waits
 * for approval, or is blocked. Failures here are recorded on the job, never undo its success.
 */
export async function evaluateAndPromote(after: AfterSuccess): Promise<void> {
  try {
    const evalRunId = await evaluate(after);
    if (after.job.promoteTo) await promote(after, after.job.promoteTo, evalRunId);
  } finally {
    // the job page stops waiting for an eval run or a promotion once this is set, whatever became of them
    await after.db.update(j).set({ settledAt: new Date() }).where(eq(j.id, after.job.id));
  }
}

/** What the steps after a job's success work with. */
export interface AfterSuccess {
  db: Db;
  actor: Actor;
  job: TuningJob;
  version: Pick<VersionView, "id" | "model" | "version">;
  task: string;
  examples: Example[];
  say: (line: string) => void;
  signal: AbortSignal;
}

/** The eval run of the new version on the held-out split (its id), or null where there is none or it failed. */
async function evaluate({ db, actor, job, version, task, examples, say, signal }: AfterSuccess): Promise<string | null> {
  const split = examples.some((e) => e.split === "test") ? "test" : examples.some((e) => e.split === "validation") ? "validation" : null;
  let evalRunId: string | null = null;
  if (!split) say("no held-out rows (test or validation split): no eval run");
  else
    try {
      const source = await sourceFromVersion(db, job.projectId, version.model, version.version);
      // a generator answers up to about its longest held-out label (4 characters a token), 16 to 256 tokens
      const longest = Math.max(0, ...examples.filter((e) => e.split === split).map((e) => e.label.length));
      const maxTokens = Math.min(256, Math.max(16, Math.ceil(longest / 4) + 4));
      // a chat's text for a classifier is its last user turn, as the head trainer saw it
      const asText = (x: string | unknown[]) =>
        typeof x === "string" ? x : (chatMessages(x)?.findLast((m) => m.role === "user")?.content ?? JSON.stringify(x));
      const predict =
        task === "text-classification"
          ? async (inputs: (string | unknown[])[]) =>
              (await classify(source, inputs.map(asText))).results.map((labels) => labels[0]?.label ?? "")
          : async (inputs: (string | unknown[])[]) =>
              Promise.all(
                inputs.map(
                  async (x) =>
                    (
                      await generate(
                        source,
                        typeof x === "string" ? { prompt: x, maxTokens } : { messages: chatMessages(x) ?? [], maxTokens },
                      )
                    ).text,
                ),
              );
      say(`eval run of ${version.model} v${version.version} on the ${split} split`);
      const run = await evaluateVersion(
        db,
        actor,
        job.projectId,
        {
          name: `tuning job #${job.number}: ${version.model} v${version.version} on ${split}`,
          versionId: version.id,
          datasetVersionId: job.datasetVersionId,
          split,
          fields: job.fields,
          predict,
          ...(task === "text-generation" ? { metrics: { rouge: {} } } : {}),
        },
        signal,
      );
      evalRunId = run.id;
      const exact = (run.aggregates as { means?: Record<string, { mean: number }> } | null)?.means?.["exact_match.score"]?.mean;
      say(`eval run ${run.id}: exact match ${exact === undefined ? "n/a" : exact.toFixed(4)}`);
      await db.update(j).set({ evalRunId }).where(eq(j.id, job.id));
    } catch (err) {
      say(`eval run failed: ${(err as Error).message}`);
    }
  return evalRunId;
}

/** Ask for the alias: the model's approval policy and its gates (reading that eval run) decide. */
async function promote({ db, actor, job, version, say }: AfterSuccess, alias: string, evalRunId: string | null): Promise<void> {
  let promotion: NonNullable<TuningJob["promotion"]>;
  if (!evalRunId) promotion = { status: "skipped", alias, message: "no eval run, so no gate can pass" };
  else
    try {
      const moved = await requestMove(db, actor, job.projectId, {
        model: version.model,
        alias,
        version: version.version,
        reason: `tuning job #${job.number}`,
      });
      promotion =
        moved.status === "pending" ? { status: "requested", alias, requestId: moved.request.id } : { status: moved.status, alias };
    } catch (err) {
      promotion = {
        status: err instanceof DomainError && err.code === "PRECONDITION_FAILED" ? "blocked" : "failed",
        alias,
        message: (err as Error).message,
      };
    }
  say(`promotion to ${alias}: ${promotion.status}${promotion.message ? ` (${promotion.message})` : ""}`);
  await db.update(j).set({ promotion }).where(eq(j.id, job.id));
}

/** The base version a job trains: enough to load it from a folder of its files, anywhere. */
export interface BaseRef {
  id: string;
  model: string;
  version: number;
  format: string;
  task: string | null;
}

export async function baseOf(db: DbOrTx, versionId: string): Promise<BaseRef> {
  const [row] = await db
    .select({
      id: schema.modelVersions.id,
      version: schema.modelVersions.version,
      model: schema.registeredModels.name,
      format: schema.modelVersions.format,
      metadata: schema.modelVersions.metadata,
      registeredTask: schema.registeredModels.task,
    })
    .from(schema.modelVersions)
    .innerJoin(schema.registeredModels, eq(schema.registeredModels.id, schema.modelVersions.modelId))
    .where(eq(schema.modelVersions.id, versionId));
  if (!row) throw new Error(`base version ${versionId} is gone`);
  const task = (row.metadata as { task?: string }).task ?? row.registeredTask ?? null;
  return { id: row.id, model: row.model, version: row.version, format: row.format, task };
}

/** Files of `dir`, relative paths in sorted order. */
function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((rel) => fs.statSync(path.join(dir, rel)).isFile())
    .map((rel) => rel.split(path.sep).join("/"))
    .sort();
}

/** A trainer's folder into the artifact store (content-addressed, so a retry stores nothing twice). */
export async function storeOutput(dir: string): Promise<FileRef[]> {
  const store = artifactStore();
  const files: FileRef[] = [];
  for (const rel of filesUnder(dir)) {
    const blob = await store.putFile(path.join(dir, rel));
    files.push({ path: rel, sha256: blob.sha256, size: blob.size });
  }
  return files;
}

/** A trainer's result without its folder: what a remote worker sends beside the files. */
export type OutputMeta = Omit<TrainerOutput, "dir">;

/** A registered result: the new version, or (a completion sent again) the one the first registered. */
export type Registered = Pick<VersionView, "id" | "model" | "version"> & { replay: boolean };

/**
 * Stored files as a new version of the job's output model, with lineage, and the job succeeded, in
 * one transaction that first checks the job is still this worker's, on this attempt, and not
 * cancelled: a worker that was presumed lost and came back registers nothing (a 409). The same
 * completion sent twice (a retry after a lost answer) returns the version the first registered.
 */
export async function registerFiles(
  db: Db,
  actor: Actor,
  lease: { jobId: string; workerId: string; attempt: number },
  runId: string | null,
  files: FileRef[],
  out: OutputMeta,
): Promise<Registered> {
  return db.transaction(async (tx) => {
    const [job] = await tx.select().from(j).where(eq(j.id, lease.jobId)).for("update");
    if (!job) throw new DomainError("NOT_FOUND", "tuning job not found");
    const mine = job.workerId === lease.workerId && job.attempt === lease.attempt;
    if (mine && job.status === "succeeded" && job.resultVersionId) {
      const [v] = await tx
        .select({ id: schema.modelVersions.id, version: schema.modelVersions.version, model: schema.registeredModels.name })
        .from(schema.modelVersions)
        .innerJoin(schema.registeredModels, eq(schema.registeredModels.id, schema.modelVersions.modelId))
        .where(eq(schema.modelVersions.id, job.resultVersionId));
      if (v) return { ...v, replay: true };
    }
    if (!mine || job.status !== "running")
      throw new DomainError(
        "CONFLICT",
        `job #${job.number} is no longer this worker's (presumed lost: ${job.status}, attempt ${job.attempt}); its result is refused`,
      );
    if (job.cancelRequestedAt) throw new Stop("cancelled", "cancelled");
    const base = await baseOf(tx as unknown as Db, job.baseVersionId);
    await getModel(tx, job.projectId, job.outputModel).catch(async () =>
      createModel(tx, actor, job.projectId, {
        name: job.outputModel,
        task: out.task,
        description: `Fine-tuned from ${base.model} v${base.version} by tuning jobs (${job.method}).`,
        tags: { source: "tuning" },
      }),
    );
    const version = await createVersion(tx, actor, job.projectId, job.outputModel, {
      files,
      source: { kind: "tuning", jobId: job.id },
      meta: {
        description: `Tuning job #${job.number} (${job.method}) on ${base.model} v${base.version}`,
        ...(out.format ? { format: out.format } : {}),
        metadata: { task: out.task, method: job.method, ...(out.metadata ?? {}) },
        params: Object.fromEntries(Object.entries(job.hyperparameters).map(([k, v]) => [k, String(v)])),
        metrics: out.metrics,
        lineage: {
          parentVersionId: base.id,
          datasetVersionId: job.datasetVersionId,
          tuningJobId: job.id,
          runId: runId ?? job.runId ?? undefined,
        },
      },
    });
    await tx
      .update(j)
      .set({ status: "succeeded", resultVersionId: version.id, metrics: out.metrics, finishedAt: new Date(), progress: { fraction: 1 } })
      .where(eq(j.id, job.id));
    return { id: version.id, model: version.model, version: version.version, replay: false };
  });
}
