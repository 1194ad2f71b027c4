"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Alert, Button, Field, Input, Select } from "@/app/_components/ui";
import { formError } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { formatPercent } from "./shared";

/** Train a learned router from ratings on its small target's calls, or from the per-item scores of two eval runs. */
export function TrainRouter({ name }: { name: string }) {
  const trpc = useTRPC();
  const project = useProject();
  const queryClient = useQueryClient();
  const runs = useQuery(trpc.evals.runs.list.queryOptions({ projectId: project.slug, limit: 100 }));
  const train = useMutation(trpc.routing.train.mutationOptions());
  const [source, setSource] = useState<"ratings" | "evals">("ratings");
  const [goodAt, setGoodAt] = useState("0.5");
  const [smallRunId, setSmallRunId] = useState("");
  const [largeRunId, setLargeRunId] = useState("");
  const [figure, setFigure] = useState("rougeL.fmeasure");
  const [share, setShare] = useState("");
  const [local, setLocal] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setLocal(null);
    train.reset();
    const targetLargeShare = share.trim() ? Number(share) : undefined;
    if (targetLargeShare !== undefined && !(targetLargeShare >= 0 && targetLargeShare <= 1))
      return setLocal("The target share of large calls is between 0 and 1.");
    let src: { kind: "ratings"; goodAt: number } | { kind: "evals"; smallRunId: string; largeRunId: string; figure: string };
    if (source === "ratings") {
      const g = Number(goodAt);
      if (!Number.isFinite(g)) return setLocal("“Good at” is a number (thumbs up = 1).");
      src = { kind: "ratings", goodAt: g };
    } else {
      if (!smallRunId || !largeRunId) return setLocal("Pick the small model's and the large model's eval runs.");
      if (!figure.trim()) return setLocal("Name the per-item figure, e.g. rougeL.fmeasure.");
      src = { kind: "evals", smallRunId, largeRunId, figure: figure.trim() };
    }
    try {
      await train.mutateAsync({ projectId: project.id, name, source: src, targetLargeShare });
      await queryClient.invalidateQueries({ queryKey: trpc.routing.pathKey() });
    } catch {
      // shown from train.error
    }
  }

  const items = runs.data?.items ?? [];
  const runSelect = (label: string, value: string, set: (v: string) => void) => (
    <Field label={label}>
      <Select value={value} onChange={(e) => set(e.target.value)}>
        <option value="">Pick a run…</option>
        {items.map((r) => (
          <option key={r.id} value={r.id}>
            {r.name} ({r.status})
          </option>
        ))}
      </Select>
    </Field>
  );
  const error = local ?? formError(train.error, []);
  const m = train.data?.model;
  return (
    <form onSubmit={submit} noValidate aria-label="Train router" className="flex flex-col gap-4">
      <div className="grid gap-4 sm:grid-cols-3">
        <Field label="Training source">
          <Select value={source} onChange={(e) => setSource(e.target.value as "ratings" | "evals")}>
            <option value="ratings">ratings on logged calls</option>
            <option value="evals">two eval runs</option>
          </Select>
        </Field>
        {source === "ratings" ? (
          <Field label="Good at" hint="Small was good enough when its mean rating is at least this.">
            <Input type="number" step="any" value={goodAt} onChange={(e) => setGoodAt(e.target.value)} />
          </Field>
        ) : (
          <Field label="Figure" hint="Per-item score compared between the runs.">
            <Input value={figure} onChange={(e) => setFigure(e.target.value)} />
          </Field>
        )}
        <Field label="Target share of large calls" hint="Optional, 0–1; default: the training data's.">
          <Input type="number" min={0} max={1} step={0.05} value={share} onChange={(e) => setShare(e.target.value)} />
        </Field>
      </div>
      {source === "evals" && (
        <div className="grid gap-4 sm:grid-cols-2">
          {runSelect("Small model's run", smallRunId, setSmallRunId)}
          {runSelect("Large model's run", largeRunId, setLargeRunId)}
        </div>
      )}
      {error && <Alert>{error}</Alert>}
      {m && (
        <div role="status" className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
          Trained on {m.trainedOn} items ({m.metrics.positives} where small was good enough): threshold {m.threshold.toFixed(3)}, train
          accuracy {formatPercent(m.metrics.trainAccuracy)}, large share {formatPercent(m.metrics.largeShare)}
          {m.metrics.cvLogLoss !== null && `, held-out log loss ${m.metrics.cvLogLoss.toFixed(3)}`}.
        </div>
      )}
      <div>
        <Button type="submit" variant="primary" loading={train.isPending}>
          Train router
        </Button>
      </div>
    </form>
  );
}
