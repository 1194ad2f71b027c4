import fs from "node:fs";
import path from "node:path";
import type { EvalHooks } from "./eval";

/**
 * `keel eval run`'s command line read into a plan (cli/eval.ts runs it): every flag checked, and the
 * --data file parsed, before anything is read from or written to a database.
 */

export interface EvalOptions {
  project?: string;
  dataset?: string;
  data?: string;
  "dataset-name"?: string;
  target?: string;
  template?: string;
  "template-kind"?: string;
  prompt?: string;
  scorer?: string;
  scorers?: string;
  gate?: string[];
  baseline?: string;
  "max-cost"?: string;
  name?: string;
  wait?: boolean;
  url?: string;
  key?: string;
}

/** --scorer names and the run metrics they ask for (server/evals/score-jsonl.ts). */
const SCORERS = ["rouge", "bleu", "chrf", "exact_match"];

export interface Plan {
  project: string;
  /** api.evals.runs.createWithData's input (server/evals/run-with-data.ts) */
  input: Record<string, unknown>;
  rules: string[];
  baseline: string | null;
  wait: boolean;
}

/** Everything the flags say, checked before anything is read from or written to a database. */
export async function planOf(opts: EvalOptions, usage: EvalHooks["usage"]): Promise<Plan> {
  const { parseRule, parseTargetSpec } = await import("../server/evals");
  if (!opts.project) throw usage("missing --project SLUG");
  if (Boolean(opts.dataset) === Boolean(opts.data))
    throw usage("give --dataset NAME[@VERSION] or --data FILE.jsonl --dataset-name NAME (one of them)");
  if (!opts.target)
    throw usage("missing --target TARGET (deployment:NAME, model:NAME@ALIAS, model:NAME:VERSION, router:NAME or predictions)");
  let target: ReturnType<typeof parseTargetSpec>;
  try {
    target = parseTargetSpec(opts.target);
  } catch (err) {
    throw usage((err as Error).message);
  }
  const kind = opts["template-kind"];
  if (kind !== undefined && kind !== "chat" && kind !== "completion") throw usage(`--template-kind ${kind}: use chat or completion`);
  if (target.kind === "predictions" && (opts.template || kind))
    throw usage("--template: a run on stored predictions generates nothing; give a live --target");
  const template = opts.template || kind ? { kind: kind ?? "chat", text: opts.template ?? "{{input}}" } : undefined;
  const prompt = opts.prompt !== undefined ? promptOf(opts.prompt, usage) : undefined;
  if (prompt && template) throw usage("--prompt: give --template or --prompt, not both");
  if (prompt && target.kind === "predictions") throw usage("--prompt: a run on stored predictions generates nothing; give a live --target");

  const metrics: Record<string, Record<string, unknown>> = {};
  for (const s of (opts.scorer ?? "").split(",").map((x) => x.trim())) {
    if (!s) continue;
    if (!SCORERS.includes(s)) throw usage(`--scorer ${s}: unknown scorer (known: ${SCORERS.join(", ")})`);
    metrics[s] = {};
  }
  let scorers: unknown[] | undefined;
  if (opts.scorers !== undefined) {
    let text: string;
    try {
      text = await fs.promises.readFile(opts.scorers, "utf8");
    } catch (err) {
      throw usage(`--scorers ${opts.scorers}: ${(err as Error).message}`);
    }
    try {
      scorers = JSON.parse(text);
    } catch (err) {
      throw usage(`--scorers ${opts.scorers}: not JSON (${(err as Error).message})`);
    }
    if (!Array.isArray(scorers))
      throw usage(
        `--scorers ${opts.scorers}: expected a JSON array of scorers ({"kind": "judge" | "embedding" | "regex" | "json", "name", ...})`,
      );
  }
  const rules = opts.gate ?? [];
  let needsBaseline = false;
  for (const rule of rules) {
    try {
      needsBaseline ||= parseRule(rule).right.kind === "baseline";
    } catch (err) {
      throw usage(`--gate: ${(err as Error).message}`);
    }
  }
  if (needsBaseline && !opts.baseline) throw usage("--gate: a baseline.* rule needs --baseline RUN (a run id or name)");
  if (rules.length && !opts.wait) throw usage("--gate needs --wait: gates judge the finished run");
  let maxCost: number | undefined;
  if (opts["max-cost"] !== undefined) {
    maxCost = Number(opts["max-cost"]);
    if (!Number.isFinite(maxCost) || maxCost <= 0) throw usage(`--max-cost ${opts["max-cost"]}: give a positive number of USD`);
  }

  let dataset: { name: string; version?: number };
  let rows: unknown[] | undefined;
  if (opts.data) {
    if (!opts["dataset-name"]) throw usage("--data FILE needs --dataset-name NAME (the dataset its rows become a version of)");
    dataset = { name: opts["dataset-name"] };
    rows = await rowsOf(opts.data, usage);
  } else {
    const spec = opts.dataset as string;
    const at = spec.lastIndexOf("@");
    dataset = at > 0 ? { name: spec.slice(0, at), version: Number(spec.slice(at + 1)) } : { name: spec };
    if (dataset.version !== undefined && !(Number.isInteger(dataset.version) && dataset.version > 0))
      throw usage(`--dataset ${spec}: the version after @ must be a number`);
  }
  const liveTarget =
    target.kind === "predictions" ? target : { ...target, ...(template ? { template } : {}), ...(prompt ? { prompt } : {}) };
  const input = {
    name: (opts.name ?? `${opts.target} on ${dataset.name}`).slice(0, 200),
    dataset,
    ...(rows ? { rows, filename: path.basename(opts.data as string) } : {}),
    ...(Object.keys(metrics).length ? { metrics } : {}),
    ...(scorers ? { scorers } : {}),
    target: liveTarget,
    ...(maxCost !== undefined ? { maxCost } : {}),
  };
  return { project: opts.project, input, rules, baseline: opts.baseline ?? null, wait: Boolean(opts.wait) };
}

/** `--prompt NAME`, `NAME@LABEL` or `NAME:VERSION` (a prompt's name holds neither @ nor :). */
function promptOf(spec: string, usage: EvalHooks["usage"]): { name: string; label?: string; version?: number } {
  const m = spec.trim().match(/^([^@:]+)(?:@([^@:]+)|:([^@:]+))?$/);
  if (!m) throw usage(`--prompt ${spec}: expected NAME, NAME@LABEL or NAME:VERSION`);
  const name = (m[1] as string).trim();
  if (m[3] === undefined) return { name, ...(m[2] ? { label: m[2].trim() } : {}) };
  const version = Number(m[3]);
  if (!(Number.isInteger(version) && version > 0)) throw usage(`--prompt ${spec}: the version after : must be a positive number`);
  return { name, version };
}

/** A JSONL (or CSV) file's rows, parsed as dataset uploads are: a bad line is named with the file. */
async function rowsOf(file: string, usage: EvalHooks["usage"]): Promise<unknown[]> {
  const [{ parseDataset }, { DomainError }] = await Promise.all([import("../server/datasets"), import("../server/core/errors")]);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw usage(`--data ${file}: no such file`);
  const format = file.toLowerCase().endsWith(".csv") ? "csv" : "jsonl";
  try {
    return parseDataset(fs.readFileSync(file), format).rows;
  } catch (err) {
    if (err instanceof DomainError) throw usage(`--data ${file}: ${err.message}`);
    throw err;
  }
}
