import { and, asc, eq } from "drizzle-orm";
import type { z } from "zod";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError, isUniqueViolation, notFound } from "../core/errors";
import { type Actor, recordAudit } from "../workspace";
import { evaluateGate, parseRule } from "./gates";
import { gateInput } from "./inputs";
import { getRun } from "./runs";

const g = schema.gates;

export { gateInput };

export async function createGate(db: DbOrTx, actor: Actor, projectId: string, input: z.infer<typeof gateInput>) {
  for (const [i, rule] of input.rules.entries()) {
    try {
      parseRule(rule);
    } catch (err) {
      throw new DomainError("BAD_REQUEST", (err as Error).message, `rules.${i}`);
    }
  }
  try {
    return await db.transaction(async (tx) => {
      const [row] = await tx.insert(g).values({ projectId, name: input.name, rules: input.rules }).returning();
      if (!row) throw new Error("insert returned nothing");
      await recordAudit(tx, actor, { projectId, action: "evals.gate.create", targetType: "gate", targetId: row.id, after: input });
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new DomainError("CONFLICT", `a gate named ${input.name} already exists`, "name");
    throw err;
  }
}

export const listGates = (db: DbOrTx, projectId: string) =>
  db.select().from(g).where(eq(g.projectId, projectId)).orderBy(asc(g.name)).limit(500);

/** A run's figures for gates: `bleu.score` = its mean, `corpus.bleu.score` = corpus BLEU, etc. */
export function runFigures(aggregates: Record<string, unknown> | null): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const means = (aggregates?.means ?? {}) as Record<string, { mean: number }>;
  for (const [k, v] of Object.entries(means)) {
    const [metric, field] = k.split(".") as [string, string];
    out[metric] = { ...((out[metric] as object) ?? {}), [field]: v.mean };
  }
  out.corpus = aggregates?.corpus ?? {};
  return out;
}

/** Evaluate a gate on a run (and a baseline run, for baseline rules); the verdict is recorded. */
export async function evaluateGateOnRun(db: DbOrTx, projectId: string, input: { gateId: string; runId: string; baselineRunId?: string }) {
  const [gate] = await db
    .select()
    .from(g)
    .where(and(eq(g.id, input.gateId), eq(g.projectId, projectId)));
  if (!gate) throw notFound("gate");
  const run = await getRun(db, projectId, input.runId);
  const baseline = input.baselineRunId ? await getRun(db, projectId, input.baselineRunId) : null;
  for (const x of [run, baseline]) if (x && x.status !== "succeeded") throw new DomainError("CONFLICT", `run ${x.name} has not succeeded`);
  let verdict: ReturnType<typeof evaluateGate>;
  try {
    verdict = evaluateGate(gate.rules, runFigures(run.aggregates), baseline ? runFigures(baseline.aggregates) : null);
  } catch (err) {
    throw new DomainError("BAD_REQUEST", (err as Error).message, "gateId");
  }
  const [row] = await db
    .insert(schema.gateEvaluations)
    .values({
      projectId,
      gateId: gate.id,
      runId: run.id,
      baselineRunId: baseline?.id ?? null,
      passed: verdict.passed,
      results: verdict.results,
    })
    .returning();
  if (!row) throw new Error("insert returned nothing");
  return { ...row, gate: { id: gate.id, name: gate.name } };
}
