import { DomainError } from "../../core/errors";
import type { HeadKind } from "./head-math";

/** One labelled example. */
export interface HeadRow {
  text: string;
  label: string;
  split: "train" | "test" | "validation";
}

/** Hyperparameters of the head trainer (Adam, softmax cross-entropy, cosine-decayed learning rate). */
export interface HeadHyper {
  /** logistic regression, or one hidden ReLU layer of `hidden` units */
  kind: HeadKind;
  /** MLP width, 1..4096 (ignored for logistic) */
  hidden: number;
  /** passes over the train split, 1..1000 */
  epochs: number;
  /** Adam's peak step size, (0, 1] */
  learningRate: number;
  /** L2 penalty (l2 / 2)·‖W‖² on weight matrices, [0, 1) */
  l2: number;
  /** examples per step, 1..4096 */
  batchSize: number;
}

/**
 * Defaults: a 256-unit MLP, 8 epochs. On the bundled sentiment set over tiny-bert-embed (whole train
 * split) it reaches 96% test accuracy; 5 epochs give 94.7%, a logistic head about 85%.
 */
export const HEAD_DEFAULTS: HeadHyper = { kind: "mlp", hidden: 256, epochs: 8, learningRate: 0.003, l2: 0, batchSize: 64 };

const badInput = (field: string, message: string) => new DomainError("BAD_REQUEST", message, field);

function intIn(field: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < lo || v > hi)
    throw badInput(field, `${field} must be an integer from ${lo} to ${hi} (got ${JSON.stringify(v)})`);
  return v;
}

/** Defaults filled in and every field range-checked; throws a BAD_REQUEST naming the field. */
export function checkHyper(h: Partial<HeadHyper> = {}): HeadHyper {
  const out = { ...HEAD_DEFAULTS, ...Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) } as HeadHyper;
  if (out.kind !== "logistic" && out.kind !== "mlp")
    throw badInput("hyper.kind", `hyper.kind must be logistic or mlp (got ${JSON.stringify(out.kind)})`);
  intIn("hyper.hidden", out.hidden, 1, 4096);
  intIn("hyper.epochs", out.epochs, 1, 1000);
  intIn("hyper.batchSize", out.batchSize, 1, 4096);
  if (typeof out.learningRate !== "number" || !(out.learningRate > 0 && out.learningRate <= 1))
    throw badInput("hyper.learningRate", `hyper.learningRate must be a number in (0, 1] (got ${JSON.stringify(out.learningRate)})`);
  if (typeof out.l2 !== "number" || !(out.l2 >= 0 && out.l2 < 1))
    throw badInput("hyper.l2", `hyper.l2 must be a number in [0, 1) (got ${JSON.stringify(out.l2)})`);
  return out;
}

export interface CheckedRows {
  labels: string[];
  /** indices into rows, per split */
  train: number[];
  test: number[];
  validation: number[];
}

const SPLITS = new Set(["train", "test", "validation"]);

/**
 * Rows validated: non-empty texts and labels, known splits, at least two labels in the train split,
 * and no test or validation label the train split lacks. Labels are sorted (code-point order), the
 * order of the head's outputs.
 */
export function checkRows(rows: readonly HeadRow[]): CheckedRows {
  if (!Array.isArray(rows) || rows.length === 0) throw badInput("rows", "rows is empty: the head trainer needs labelled texts");
  const out: CheckedRows = { labels: [], train: [], test: [], validation: [] };
  for (const [i, r] of rows.entries()) {
    if (typeof r?.text !== "string" || !r.text.trim()) throw badInput(`rows.${i}.text`, `rows[${i}].text is empty`);
    if (typeof r.label !== "string" || !r.label.trim()) throw badInput(`rows.${i}.label`, `rows[${i}].label is empty`);
    if (!SPLITS.has(r.split))
      throw badInput(`rows.${i}.split`, `rows[${i}].split must be train, test or validation (got ${JSON.stringify(r.split)})`);
    out[r.split as HeadRow["split"]].push(i);
  }
  const labels = [...new Set(out.train.map((i) => (rows[i] as HeadRow).label))].sort();
  if (labels.length < 2)
    throw badInput(
      "rows",
      `the train split needs at least 2 distinct labels to train a classifier (got ${labels.length}${labels.length ? `: ${labels[0]}` : ""} in ${out.train.length} train rows)`,
    );
  const known = new Set(labels);
  for (const split of ["test", "validation"] as const) {
    const unknown = [...new Set(out[split].map((i) => (rows[i] as HeadRow).label).filter((l) => !known.has(l)))];
    if (unknown.length) throw badInput("rows", `the ${split} split has labels the train split lacks: ${unknown.slice(0, 5).join(", ")}`);
  }
  out.labels = labels;
  return out;
}
