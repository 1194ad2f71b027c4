import fs from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import type { Database, DbOrTx } from "../db/client";
import { DomainError } from "../server/core/errors";
import { addVersion, type DatasetRow, parseDataset } from "../server/datasets";
import { type AgentHandle, availableTrainers, createJob, getJob, type JobView, startTuningAgent } from "../server/tuning";
import { findProjectBySlug, SYSTEM_ACTOR } from "../server/workspace";
import { parseModelRef } from "./models";

export interface TuneOptions {
  project?: string;
  base?: string;
  data?: string;
  method?: string;
  "text-field"?: string;
  "label-field"?: string;
  epochs?: string;
  "max-steps"?: string;
  "from-logs"?: string;
  tags?: string;
  rating?: string;
  "held-out"?: string;
  seed?: string;
  "output-model"?: string;
  wait?: boolean;
}

const bad = (message: string, field: string) => new DomainError("BAD_REQUEST", message, field);

/** Rows of a TSV (label, split, text; no header, as the bundled sentiment set) or of a JSONL file mapped through the fields. */
export function rowsOfFile(file: string, fields: { text?: string; label?: string }): DatasetRow[] {
  if (!fs.existsSync(file)) throw new DomainError("NOT_FOUND", `no such file: ${file}`, "data");
  const raw = fs.readFileSync(file);
  const text = (file.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8");
  const base = file.replace(/\.gz$/, "");
  if (base.endsWith(".tsv")) {
    return text
      .split("\n")
      .filter((l) => l.trim())
      .map((line, i) => {
        const cols = line.split("\t");
        if (cols.length < 3)
          throw bad(`line ${i + 1}: expected 3 tab-separated columns (label, split, text), found ${cols.length}`, "data");
        const [label, split, ...rest] = cols as [string, string, ...string[]];
        return { input: rest.join("\t"), references: [label.trim()], prediction: null, metadata: { split: split.trim() } };
      });
  }
  if (!base.endsWith(".jsonl")) throw bad(`${file}: give a .jsonl or .tsv file (optionally .gz), or DATASET[@VERSION]`, "data");
  const textField = fields.text ?? "text";
  const labelField = fields.label ?? "label";
  return text
    .split("\n")
    .filter((l) => l.trim())
    .map((line, i) => {
      let row: Record<string, unknown>;
      try {
        row = JSON.parse(line) as Record<string, unknown>;
      } catch (err) {
        throw bad(`line ${i + 1}: not JSON (${(err as Error).message})`, "data");
      }
      if ("input" in row && "references" in row && !fields.text) return parseDataset(Buffer.from(line), "jsonl").rows[0] as DatasetRow;
      const t = row[textField];
      const l = row[labelField];
      if (typeof t !== "string" || !t.trim()) throw bad(`line ${i + 1}: no text in field ${textField}`, "text-field");
      if (l === undefined || l === null || String(l).trim() === "")
        throw bad(`line ${i + 1}: no label in field ${labelField}`, "label-field");
      const split = typeof row.split === "string" ? row.split : undefined;
      return { input: t, references: [String(l)], prediction: null, metadata: split ? { split } : null };
    });
}

const finished = (j: JobView) => j.status === "succeeded" || j.status === "failed" || j.status === "cancelled";

/** `keel tune start`: data in (a file becomes a dataset version), a job queued, and with --wait its end. */
export async function tuneCommand(d: Database, sub: string | undefined, opts: TuneOptions, say: (human: string, data: unknown) => void) {
  if (sub !== "start") throw bad(`unknown tune command ${sub ?? ""}; use tune start`, "command");
  const project = await findProjectBySlug(d.db, opts.project ?? "demo");
  if (!project) throw new DomainError("NOT_FOUND", `No project with slug ${opts.project ?? "demo"}`, "project");
  if (!opts.base) throw bad("missing --base MODEL[@ALIAS|:VERSION]", "base");
  if (Boolean(opts.data) === Boolean(opts["from-logs"]))
    throw bad("give --data FILE.jsonl|FILE.tsv|DATASET[@VERSION] or --from-logs DATASET (one of them)", "data");
  const method = opts.method ?? "head";
  const base = parseModelRef(opts.base);

  const hyperparameters: Record<string, unknown> = {};
  if (opts.epochs !== undefined) hyperparameters.epochs = Number(opts.epochs);
  if (opts["max-steps"] !== undefined) hyperparameters.maxSteps = Number(opts["max-steps"]);
  const launch = (db: DbOrTx, data: { dataset: { name: string; version?: number } } | { fromLogs: Record<string, unknown> }) =>
    createJob(db, SYSTEM_ACTOR, project.id, {
      method,
      base: { model: base.model, version: base.ref },
      ...data,
      hyperparameters,
      seed: opts.seed === undefined ? 0 : Number(opts.seed),
      ...(opts["output-model"] ? { outputModel: opts["output-model"] } : {}),
      // a file's fields are mapped on upload; a dataset's rows keep input/references
    });

  let job: Awaited<ReturnType<typeof createJob>>;
  const data = opts.data ?? "";
  const fromLogs = opts["from-logs"];
  if (fromLogs) {
    job = await launch(d.db, { fromLogs: logsSource(fromLogs, opts) });
    return report(d, project.id, job, method, opts, say);
  }
  const looksLikeFile = /\.(jsonl|tsv)(\.gz)?$/.test(data) || fs.existsSync(data);
  if (looksLikeFile) {
    const rows = rowsOfFile(data, { text: opts["text-field"], label: opts["label-field"] });
    const name = path
      .basename(data)
      .replace(/\.gz$/, "")
      .replace(/\.(jsonl|tsv)$/, "");
    // the upload and the job commit together: a job refused for its hyperparameters or base leaves no version
    job = await d.db.transaction(async (tx) => {
      const v = await addVersion(
        tx,
        SYSTEM_ACTOR,
        project.id,
        name,
        { rows, columns: ["input", "references", "metadata"] },
        { kind: "upload", format: "jsonl", filename: path.basename(data) },
      );
      return launch(tx, { dataset: { name, version: v.version } });
    });
  } else {
    const at = data.lastIndexOf("@");
    const dataset = at > 0 ? { name: data.slice(0, at), version: Number(data.slice(at + 1)) } : { name: data };
    if (dataset.version !== undefined && !Number.isInteger(dataset.version)) throw bad(`${data}: the version must be a number`, "data");
    job = await launch(d.db, { dataset });
  }
  return report(d, project.id, job, method, opts, say);
}

/** `--from-logs NAME [--tags A,B] [--rating NAME[>=MIN]] [--held-out S]` as the job's fromLogs. */
function logsSource(name: string, opts: TuneOptions): Record<string, unknown> {
  const tags = (opts.tags ?? "")
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean);
  let rating: { name: string; min?: number } | undefined;
  if (opts.rating !== undefined) {
    const m = opts.rating.match(/^([^<>=\s]+)(?:\s*>=\s*(-?\d+(?:\.\d+)?))?$/);
    if (!m) throw bad(`--rating ${opts.rating}: use NAME or NAME>=MIN (e.g. thumbs>=1)`, "rating");
    rating = { name: m[1] as string, ...(m[2] !== undefined ? { min: Number(m[2]) } : {}) };
  }
  return {
    name,
    filter: tags.length ? { tags } : {},
    ...(rating ? { rating } : {}),
    ...(opts["held-out"] !== undefined ? { heldOut: Number(opts["held-out"]) } : {}),
  };
}

/** Without --wait: the queued job. With it: the job's end (run here when no online worker can take it). */
async function report(
  d: Database,
  projectId: string,
  job: Awaited<ReturnType<typeof createJob>>,
  method: string,
  opts: TuneOptions,
  say: (human: string, data: unknown) => void,
) {
  if (!opts.wait) {
    say(`job #${job.number} queued (${job.id})${job.waitReason ? `: ${job.waitReason}` : ""}`, {
      job: job.id,
      number: job.number,
      status: job.status,
    });
    return;
  }
  // nobody can take it: run it here, for as long as it takes
  let agent: AgentHandle | null = null;
  if (job.waitReason) {
    const trainers = await availableTrainers();
    if (trainers[method]) agent = await startTuningAgent({ db: d.db, trainers, name: `keel tune (${process.pid})`, pollMs: 250 });
  }
  try {
    let j = await getJob(d.db, projectId, job.id);
    while (!finished(j)) {
      await new Promise((r) => setTimeout(r, 500));
      j = await getJob(d.db, projectId, job.id);
    }
    const out = {
      job: j.id,
      number: j.number,
      status: j.status,
      model: j.result?.model ?? null,
      version: j.result?.version ?? null,
      metrics: j.metrics ?? {},
      error: j.error,
      /** the worker that ran it: a remote one talks HTTP only (keel worker --server) */
      worker: j.worker,
    };
    say(
      j.status === "succeeded"
        ? `job #${j.number} succeeded: ${out.model} v${out.version} ${JSON.stringify(out.metrics)}`
        : `job #${j.number} ${j.status}${j.error ? `: ${j.error}` : ""}`,
      out,
    );
    if (j.status !== "succeeded") process.exitCode = 1;
  } finally {
    await agent?.stop();
  }
}
