/**
 * Promotion gates: rules over a run's aggregate figures, optionally against a baseline run
 * (the current production version's). Grammar of one rule:
 *   figure OP value        e.g.  rougeL.fmeasure >= 0.40
 *   figure OP baseline.figure [(+|-) number]   e.g.  bleu.score >= baseline.bleu.score - 1.0
 * with OP one of >= > <= < ==, figures as dotted paths into the aggregates.
 */

import { GATE_RULE, gateRuleProblem } from "./inputs";

export type Figures = Record<string, unknown>;
type Op = ">=" | ">" | "<=" | "<" | "==";

export interface GateRule {
  text: string;
  left: string;
  op: Op;
  right: { kind: "number"; value: number } | { kind: "baseline"; path: string; offset: number };
}

export function parseRule(text: string): GateRule {
  const m = text.match(GATE_RULE);
  if (!m) throw new Error(gateRuleProblem(text));
  const [, left, op, num, basePath, sign, off] = m;
  return {
    text: text.trim(),
    left: left as string,
    op: op as Op,
    right:
      num !== undefined
        ? { kind: "number", value: Number(num) }
        : { kind: "baseline", path: basePath as string, offset: off ? (sign === "-" ? -1 : 1) * Number(off) : 0 },
  };
}

/** The number at a dotted path, or an error naming the path and what is there. */
export function figure(figures: Figures, path: string, label = "run"): number {
  let v: unknown = figures;
  for (const k of path.split(".")) v = v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined;
  if (typeof v !== "number" || Number.isNaN(v)) throw new Error(`${label} has no figure ${path}`);
  return v;
}

const compare = (a: number, op: Op, b: number) =>
  op === ">=" ? a >= b : op === ">" ? a > b : op === "<=" ? a <= b : op === "<" ? a < b : Math.abs(a - b) <= 1e-12;

export interface RuleResult {
  rule: string;
  actual: number;
  threshold: number;
  passed: boolean;
}

/** Evaluate every rule; a rule that names a missing figure (or needs a missing baseline) throws. */
export function evaluateGate(
  rules: readonly string[],
  run: Figures,
  baseline?: Figures | null,
): { passed: boolean; results: RuleResult[] } {
  const results = rules.map((text) => {
    const r = parseRule(text);
    const actual = figure(run, r.left);
    let threshold: number;
    if (r.right.kind === "number") threshold = r.right.value;
    else {
      if (!baseline) throw new Error(`gate rule ${JSON.stringify(r.text)} needs a baseline run, and there is none`);
      threshold = figure(baseline, r.right.path, "baseline") + r.right.offset;
    }
    return { rule: r.text, actual, threshold, passed: compare(actual, r.op, threshold) };
  });
  return { passed: results.every((r) => r.passed), results };
}
