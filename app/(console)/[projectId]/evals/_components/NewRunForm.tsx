"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Alert, Button, Field, Input, Select } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { Estimate } from "./Estimate";
import { useDatasetVersions } from "./figures";
import { type ScorerDraft, ScorersEditor, scorersOf } from "./ScorersEditor";
import { DEFAULT_TARGET, type TargetChoice, TargetPicker, targetOf } from "./TargetPicker";

const METRICS = [
  { key: "bleu", label: "BLEU" },
  { key: "chrf", label: "chrF" },
  { key: "rouge", label: "ROUGE" },
] as const;

type Run = RouterOutputs["evals"]["runs"]["create"];

/**
 * A new eval run: dataset version, target (stored predictions, a deployment, a registry model version,
 * a router) with its prompt template and parameters, reference metrics, scorers, a cost ceiling, and
 * the cost estimate before Start.
 */
export function NewRunForm({ onCreated }: { onCreated: (run: Run) => void | Promise<void> }) {
  const trpc = useTRPC();
  const project = useProject();
  const queryClient = useQueryClient();
  const versions = useDatasetVersions(project.slug);
  const [name, setName] = useState("");
  const [versionId, setVersionId] = useState("");
  const [metrics, setMetrics] = useState<Record<string, boolean>>({ bleu: true, chrf: true, rouge: true });
  const [target, setTarget] = useState<TargetChoice>(DEFAULT_TARGET);
  const [scorers, setScorers] = useState<ScorerDraft[]>([]);
  const [maxCost, setMaxCost] = useState("");
  const [local, setLocal] = useState<string | null>(null);
  const create = useMutation(trpc.evals.runs.create.mutationOptions());

  const targetInput = targetOf(target);
  const scorerInput = scorersOf(scorers);
  const ceiling = maxCost.trim() ? Number(maxCost) : null;
  const ceilingProblem =
    ceiling !== null && !(Number.isFinite(ceiling) && ceiling > 0) ? "Max cost must be a positive number of USD." : null;
  const why = !versionId
    ? "Pick a dataset version."
    : typeof targetInput === "string"
      ? targetInput
      : typeof scorerInput === "string"
        ? scorerInput
        : null;
  const estimateInput =
    why === null && typeof targetInput !== "string" && typeof scorerInput !== "string"
      ? { datasetVersionId: versionId, target: targetInput, scorers: scorerInput }
      : null;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setLocal(null);
    create.reset();
    const chosen = METRICS.filter((m) => metrics[m.key]).map((m) => m.key);
    if (!name.trim()) return setLocal("Enter a run name.");
    if (!versionId) return setLocal("Pick a dataset version.");
    if (chosen.length === 0 && scorers.length === 0) return setLocal("Pick at least one metric or add a scorer.");
    if (typeof targetInput === "string") return setLocal(targetInput);
    if (typeof scorerInput === "string") return setLocal(scorerInput);
    if (ceilingProblem) return setLocal(ceilingProblem);
    if (ceiling !== null && targetInput.kind === "predictions")
      return setLocal("A run on stored predictions costs nothing: leave Max cost empty.");
    try {
      const run = await create.mutateAsync({
        projectId: project.id,
        name: name.trim(),
        datasetVersionId: versionId,
        metrics: Object.fromEntries(chosen.map((k) => [k, {}])),
        target: targetInput,
        scorers: scorerInput,
        ...(ceiling !== null ? { maxCost: ceiling } : {}),
      });
      setName("");
      await queryClient.invalidateQueries({ queryKey: trpc.evals.runs.list.queryKey() });
      await onCreated(run);
    } catch {
      // shown from create.error
    }
  }

  // versions grouped by dataset: pick the dataset, then its version
  const byDataset = new Map<string, typeof versions.options>();
  for (const v of versions.options) byDataset.set(v.datasetId, [...(byDataset.get(v.datasetId) ?? []), v]);
  const error = local ?? (create.error ? errorMessage(create.error) : null);
  return (
    <form onSubmit={submit} noValidate aria-label="New run" className="flex flex-col gap-5">
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Run name">
          <Input value={name} onChange={(e) => setName(e.target.value)} maxLength={200} placeholder="tiny-gpt2, prompt v3" />
        </Field>
        <Field
          label="Dataset version"
          hint={versions.pending ? "Loading versions…" : versions.options.length === 0 ? "Upload a dataset first." : undefined}
        >
          <Select value={versionId} onChange={(e) => setVersionId(e.target.value)}>
            <option value="">Pick a version…</option>
            {[...byDataset.values()].map((list) => (
              <optgroup key={list[0]?.datasetId} label={list[0]?.label.replace(/ v\d+$/, "")}>
                {list.map((v) => (
                  <option key={v.id} value={v.id}>
                    {v.label}
                    {v.hasPrediction || target.kind !== "predictions" ? "" : " (no predictions)"}
                  </option>
                ))}
              </optgroup>
            ))}
          </Select>
        </Field>
      </div>
      <TargetPicker value={target} onChange={setTarget} />
      <fieldset className="flex flex-wrap items-center gap-4">
        <legend className="mb-1.5 text-sm font-medium text-slate-700">Reference metrics</legend>
        {METRICS.map((m) => (
          <label key={m.key} className="flex items-center gap-2 text-sm text-slate-700">
            <input
              type="checkbox"
              className="size-4 rounded border-slate-300"
              checked={!!metrics[m.key]}
              onChange={(e) => setMetrics((s) => ({ ...s, [m.key]: e.target.checked }))}
            />
            {m.label}
          </label>
        ))}
      </fieldset>
      <ScorersEditor value={scorers} onChange={setScorers} />
      {target.kind !== "predictions" && (
        <Field
          label="Max cost (USD)"
          hint="Optional: generation stops once the answers have cost this much; the run keeps what it scored"
          className="sm:w-72"
        >
          <Input inputMode="decimal" value={maxCost} onChange={(e) => setMaxCost(e.target.value)} placeholder="5.00" />
        </Field>
      )}
      <Estimate input={estimateInput} why={why} maxCost={ceilingProblem ? null : ceiling} />
      {error && <Alert>{error}</Alert>}
      <div>
        <Button type="submit" variant="primary" loading={create.isPending}>
          Start run
        </Button>
      </div>
    </form>
  );
}
