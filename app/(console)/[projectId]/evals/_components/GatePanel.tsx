"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Alert, Button, Card, Field, Input, Select, Textarea } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { fmt } from "./figures";

const NEW = "__new__";

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
  const [runId, setRunId] = useState(runs[0]?.id ?? "");
  const [gateId, setGateId] = useState("");
  const [baselineId, setBaselineId] = useState("");
  const [name, setName] = useState("");
  const [rules, setRules] = useState("");
  const [local, setLocal] = useState<string | null>(null);
  const others = baselines.filter((b) => b.id !== runId);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setLocal(null);
    create.reset();
    evaluate.reset();
    if (!runId) return setLocal("Pick the run to gate.");
    if (!gateId) return setLocal("Pick a gate.");
    let id = gateId;
    if (gateId === NEW) {
      const list = rules
        .split("\n")
        .map((r) => r.trim())
        .filter(Boolean);
      if (!name.trim()) return setLocal("Enter a gate name.");
      if (list.length === 0) return setLocal("Write at least one rule.");
      try {
        id = (await create.mutateAsync({ projectId: project.id, name: name.trim(), rules: list })).id;
      } catch {
        return; // shown from create.error
      }
      await queryClient.invalidateQueries({ queryKey: trpc.evals.gates.list.queryKey() });
      setGateId(id);
      setName("");
      setRules("");
    }
    evaluate.mutate({
      projectId: project.id,
      gateId: id,
      runId,
      baselineRunId: baselineId && baselineId !== runId ? baselineId : undefined,
    });
  }

  const failure = create.error ?? evaluate.error;
  const error = local ?? (failure ? errorMessage(failure) : null);
  const verdict = evaluate.data;
  return (
    <Card title="Evaluate a gate" description="Checks a run's figures against a gate's rules; baseline rules need a baseline run.">
      <form onSubmit={submit} noValidate aria-label="Evaluate a gate" className="flex flex-col gap-4">
        <div className={`grid gap-4 ${runs.length > 1 ? "sm:grid-cols-3" : "sm:grid-cols-2"}`}>
          {runs.length > 1 && (
            <Field label="Run to gate">
              <Select value={runId} onChange={(e) => setRunId(e.target.value)}>
                {runs.map((r) => (
                  <option key={r.id} value={r.id}>
                    {r.name}
                  </option>
                ))}
              </Select>
            </Field>
          )}
          <Field label="Gate">
            <Select value={gateId} onChange={(e) => setGateId(e.target.value)}>
              <option value="">Pick a gate…</option>
              {(gates.data ?? []).map((g) => (
                <option key={g.id} value={g.id}>
                  {g.name}
                </option>
              ))}
              <option value={NEW}>New gate…</option>
            </Select>
          </Field>
          <Field label="Baseline run" hint="Optional">
            <Select value={baselineId} onChange={(e) => setBaselineId(e.target.value)}>
              <option value="">No baseline</option>
              {others.map((x) => (
                <option key={x.id} value={x.id}>
                  {x.name}
                </option>
              ))}
            </Select>
          </Field>
        </div>
        {gateId === NEW && (
          <div className="grid gap-4 sm:grid-cols-3">
            <Field label="New gate name">
              <Input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} placeholder="release" />
            </Field>
            <Field
              label="New gate rules"
              hint="One per line: rougeL.fmeasure >= 0.4, judge.correct >= 0.5, cost.usd <= 0.01, or bleu.score >= baseline.bleu.score - 1"
              className="sm:col-span-2"
            >
              <Textarea
                rows={3}
                value={rules}
                onChange={(e) => setRules(e.target.value)}
                className="font-mono"
                placeholder={"rougeL.fmeasure >= 0.40\nbleu.score >= baseline.bleu.score - 1.0"}
              />
            </Field>
          </div>
        )}
        {error && <Alert>{error}</Alert>}
        <div>
          <Button type="submit" variant="primary" loading={evaluate.isPending || create.isPending}>
            Evaluate
          </Button>
        </div>
      </form>
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
