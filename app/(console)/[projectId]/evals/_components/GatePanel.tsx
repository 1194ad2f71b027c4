"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useWatch } from "react-hook-form";
import { z } from "zod";
import { applyServerError, FormError, FormField, useZodForm, ZodForm } from "@/app/_components/form";
import { Button, Card, Input, Select, Textarea } from "@/app/_components/ui";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { fmt } from "./figures";
import { checkNewGate, ruleLines } from "./gate-form";

const NEW = "__new__";

/** The panel's values: a new gate (NEW) is checked by the server's gateInput, under the new gate's name or rules box. */
const gateForm = z
  .object({
    runId: z.string().min(1, "pick the run to gate"),
    gateId: z.string().min(1, "pick a gate"),
    baselineRunId: z.string(),
    name: z.string(),
    rules: z.string(),
  })
  .superRefine((v, ctx) => {
    if (v.gateId === NEW) checkNewGate(v, ctx, { name: "name", rules: "rules" });
  });

/**
 * Gate a run: pick a gate (or write a new one here), optionally a baseline run, and see each rule
 * pass or fail. `runs` with more than one entry (a comparison) lets the user pick the run gated.
 */
export function GatePanel({ runs, baselines }: { runs: { id: string; name: string }[]; baselines: { id: string; name: string }[] }) {
  const trpc = useTRPC();
  const project = useProject();
  const queryClient = useQueryClient();
  const gates = useQuery(trpc.evals.gates.list.queryOptions({ projectId: project.slug }));
  const create = useMutation(trpc.evals.gates.create.mutationOptions());
  const evaluate = useMutation(trpc.evals.gates.evaluate.mutationOptions());
  const form = useZodForm(gateForm, { runId: runs[0]?.id ?? "", gateId: "", baselineRunId: "", name: "", rules: "" });
  const { register } = form;
  const [runId, gateId] = useWatch({ control: form.control, name: ["runId", "gateId"] });
  const others = baselines.filter((b) => b.id !== runId);

  async function submit(v: z.output<typeof gateForm>) {
    evaluate.reset();
    let id = v.gateId;
    try {
      if (v.gateId === NEW) {
        id = (await create.mutateAsync({ projectId: project.id, name: v.name.trim(), rules: ruleLines(v.rules) })).id;
        await queryClient.invalidateQueries({ queryKey: trpc.evals.gates.list.queryKey() });
        form.reset({ ...v, gateId: id, name: "", rules: "" });
      }
      const baselineRunId = v.baselineRunId && v.baselineRunId !== v.runId ? v.baselineRunId : undefined;
      await evaluate.mutateAsync({ projectId: project.id, gateId: id, runId: v.runId, baselineRunId });
    } catch (err) {
      applyServerError(form, err, ["runId", "gateId", "baselineRunId", "name", "rules"]);
    }
  }

  const verdict = evaluate.data;
  return (
    <Card title="Evaluate a gate" description="Checks a run's figures against a gate's rules; baseline rules need a baseline run.">
      <ZodForm form={form} onSubmit={submit} label="Evaluate a gate">
        <div className={`grid gap-4 ${runs.length > 1 ? "sm:grid-cols-3" : "sm:grid-cols-2"}`}>
          {runs.length > 1 && (
            <FormField name="runId" label="Run to gate">
              <Select {...register("runId")}>
                {runs.map((r) => (
                  <option key={r.id} value={r.id}>
                    {r.name}
                  </option>
                ))}
              </Select>
            </FormField>
          )}
          <FormField name="gateId" label="Gate">
            <Select {...register("gateId")}>
              <option value="">Pick a gate…</option>
              {(gates.data ?? []).map((g) => (
                <option key={g.id} value={g.id}>
                  {g.name}
                </option>
              ))}
              <option value={NEW}>New gate…</option>
            </Select>
          </FormField>
          <FormField name="baselineRunId" label="Baseline run" hint="Optional">
            <Select {...register("baselineRunId")}>
              <option value="">No baseline</option>
              {others.map((x) => (
                <option key={x.id} value={x.id}>
                  {x.name}
                </option>
              ))}
            </Select>
          </FormField>
        </div>
        {gateId === NEW && (
          <div className="grid gap-4 sm:grid-cols-3">
            <FormField name="name" label="New gate name">
              <Input {...register("name")} maxLength={100} placeholder="release" />
            </FormField>
            <FormField
              name="rules"
              label="New gate rules"
              hint="One per line: rougeL.fmeasure >= 0.4, judge.correct >= 0.5, cost.usd <= 0.01, or bleu.score >= baseline.bleu.score - 1"
              className="sm:col-span-2"
            >
              <Textarea
                rows={3}
                {...register("rules")}
                className="font-mono"
                placeholder={"rougeL.fmeasure >= 0.40\nbleu.score >= baseline.bleu.score - 1.0"}
              />
            </FormField>
          </div>
        )}
        <FormError />
        <div>
          <Button type="submit" variant="primary" loading={evaluate.isPending || create.isPending}>
            Evaluate
          </Button>
        </div>
      </ZodForm>
      {verdict && (
        <div
          role="status"
          className={`mt-4 rounded-md border px-4 py-3 ${verdict.passed ? "border-emerald-300 bg-emerald-50" : "border-red-300 bg-red-50"}`}
        >
          <p className={`text-lg font-semibold ${verdict.passed ? "text-emerald-800" : "text-red-800"}`}>
            {verdict.passed ? "Gate passed" : "Gate failed"}
          </p>
          <p className="text-xs text-slate-600">
            Gate {verdict.gate.name} on {runs.find((r) => r.id === verdict.runId)?.name ?? "the run"}
          </p>
          <ul aria-label="Gate rules" className="mt-2 flex flex-col gap-1 text-sm">
            {verdict.results.map((res) => (
              <li key={res.rule} className="flex flex-wrap items-center gap-2">
                <span className={res.passed ? "text-emerald-700" : "text-red-700"}>{res.passed ? "✓ pass" : "✗ fail"}</span>
                <code className="font-mono text-xs">{res.rule}</code>
                <span className="text-slate-600 tabular-nums">
                  actual {fmt(res.actual)} vs threshold {fmt(res.threshold)}
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </Card>
  );
}
