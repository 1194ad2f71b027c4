"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { type FormEvent, useId, useState } from "react";
import { buttonClass } from "@/app/_components/classes";
import { EmptyState } from "@/app/_components/EmptyState";
import { Button, Card, ErrorBox, Field, Input, PageHeader, Select, Skeleton, Table, Td, Th, When } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { useTRPC } from "@/app/_lib/trpc";
import { aggregatesOf, fmt, isFinished, MAIN_FIGURES, StatusBadge, useDatasetVersions } from "./_components/figures";
import { NewRunForm } from "./_components/NewRunForm";
import { RunsChart } from "./_components/RunsChart";

export default function EvalsPage() {
  const trpc = useTRPC();
  const project = useProject();
  const projectId = project.slug;
  const canWrite = atLeast(project.role, "engineer");
  const versions = useDatasetVersions(projectId);
  const runs = useQuery(
    trpc.evals.runs.list.queryOptions(
      { projectId, limit: 100 },
      { refetchInterval: (q) => (q.state.data?.items.some((r) => !isFinished(r.status)) ? 1500 : false) },
    ),
  );
  const runItems = runs.data?.items ?? [];

  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="Evaluations"
        description="Score a dataset version's predictions or a live target's answers, compare runs item by item, and gate promotions on the figures."
        actions={
          canWrite && (
            <Link href={`/${projectId}/evals/new`} className={buttonClass("primary")}>
              New eval run
            </Link>
          )
        }
      />

      {canWrite && (
        <Card
          title="New run"
          description="Scores a dataset version's predictions, or a deployment's, model version's or router's answers, against its references."
        >
          <NewRunForm onCreated={() => undefined} />
        </Card>
      )}

      <Card title="Runs">
        {runs.isPending ? (
          <Skeleton rows={3} />
        ) : runs.isError ? (
          <ErrorBox title="Could not load runs" message={errorMessage(runs.error)} onRetry={() => void runs.refetch()} />
        ) : runItems.length === 0 ? (
          <EmptyState title="No evaluation runs yet">
            {canWrite ? "Start a run on a dataset version with predictions above." : "An engineer of this project can start one."}
          </EmptyState>
        ) : (
          <Table label="Eval runs">
            <thead>
              <tr>
                <Th>Name</Th>
                <Th>Dataset version</Th>
                <Th>Status</Th>
                <Th className="text-right">BLEU</Th>
                <Th className="text-right">chrF</Th>
                <Th className="text-right">ROUGE-L F</Th>
                <Th>Created</Th>
              </tr>
            </thead>
            <tbody>
              {runItems.map((r) => {
                const means = aggregatesOf(r.aggregates).means ?? {};
                return (
                  <tr key={r.id}>
                    <Td>
                      <Link href={`/${projectId}/evals/runs/${r.id}`} className="font-medium text-indigo-600 hover:text-indigo-500">
                        {r.name}
                      </Link>
                    </Td>
                    <Td className="text-xs">{versions.labelOf(r.datasetVersionId) ?? "…"}</Td>
                    <Td>
                      <StatusBadge status={r.status} />
                    </Td>
                    {MAIN_FIGURES.map((f) => (
                      <Td key={f} className="text-right tabular-nums">
                        {fmt(means[f]?.mean)}
                      </Td>
                    ))}
                    <Td>
                      <When at={r.createdAt} />
                    </Td>
                  </tr>
                );
              })}
            </tbody>
          </Table>
        )}
      </Card>

      {runItems.length > 0 && (
        <Card title="Runs over time" description="Each succeeded run's mean with its 95% interval, in creation order.">
          <RunsChart runs={runItems} />
        </Card>
      )}

      <Card
        title="Compare"
        description="Two succeeded runs on versions of one dataset with the same rows: B is compared with A, item by item."
      >
        <CompareForm runs={runItems.filter((r) => r.status === "succeeded").map((r) => ({ id: r.id, name: r.name }))} slug={projectId} />
      </Card>

      <Gates canWrite={canWrite} />
    </div>
  );
}

function CompareForm({ runs, slug }: { runs: { id: string; name: string }[]; slug: string }) {
  const router = useRouter();
  const [a, setA] = useState("");
  const [b, setB] = useState("");
  const [error, setError] = useState<string | null>(null);
  const ready = a && b && a !== b;
  const href = `/${slug}/evals/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`;
  return (
    <form
      aria-label="Compare runs"
      noValidate
      className="flex flex-col gap-4"
      onSubmit={(e) => {
        e.preventDefault();
        if (!ready) return setError("Pick two different runs.");
        setError(null);
        router.push(href);
      }}
    >
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Run A">
          <Select value={a} onChange={(e) => setA(e.target.value)}>
            <option value="">Pick a run…</option>
            {runs.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Run B">
          <Select value={b} onChange={(e) => setB(e.target.value)}>
            <option value="">Pick a run…</option>
            {runs.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </Select>
        </Field>
      </div>
      {error && (
        <p role="alert" className="text-sm text-red-700">
          {error}
        </p>
      )}
      <div>
        <button type="submit" className={buttonClass("secondary")}>
          Compare
        </button>
      </div>
    </form>
  );
}

function Gates({ canWrite }: { canWrite: boolean }) {
  const trpc = useTRPC();
  const project = useProject();
  const queryClient = useQueryClient();
  const gates = useQuery(trpc.evals.gates.list.queryOptions({ projectId: project.slug }));
  const create = useMutation(trpc.evals.gates.create.mutationOptions());
  const [name, setName] = useState("");
  const [rules, setRules] = useState("");
  const [local, setLocal] = useState<string | null>(null);
  const rulesId = useId();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setLocal(null);
    create.reset();
    const list = rules
      .split("\n")
      .map((r) => r.trim())
      .filter(Boolean);
    if (!name.trim()) return setLocal("Enter a gate name.");
    if (list.length === 0) return setLocal("Write at least one rule.");
    try {
      await create.mutateAsync({ projectId: project.id, name: name.trim(), rules: list });
      setName("");
      setRules("");
      await queryClient.invalidateQueries({ queryKey: trpc.evals.gates.list.queryKey() });
    } catch {
      // shown from create.error
    }
  }

  const error = local ?? (create.error ? errorMessage(create.error) : null);
  return (
    <Card title="Gates" description="Named rules a run must pass before promotion, optionally relative to a baseline run.">
      <div className="flex flex-col gap-6">
        {gates.isPending ? (
          <Skeleton rows={2} />
        ) : gates.isError ? (
          <ErrorBox title="Could not load gates" message={errorMessage(gates.error)} onRetry={() => void gates.refetch()} />
        ) : gates.data.length === 0 ? (
          <p className="text-sm text-slate-500">No gates yet.</p>
        ) : (
          <Table label="Gates">
            <thead>
              <tr>
                <Th>Name</Th>
                <Th>Rules</Th>
              </tr>
            </thead>
            <tbody>
              {gates.data.map((g) => (
                <tr key={g.id}>
                  <Td className="align-top font-medium">{g.name}</Td>
                  <Td>
                    <ul className="flex flex-col gap-0.5">
                      {g.rules.map((r) => (
                        <li key={r}>
                          <code className="font-mono text-xs">{r}</code>
                        </li>
                      ))}
                    </ul>
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
        {canWrite && (
          <form onSubmit={submit} noValidate aria-label="New gate" className="flex flex-col gap-4 border-t border-slate-200 pt-4">
            <Field label="Gate name">
              <Input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} placeholder="release" />
            </Field>
            <div className="flex flex-col gap-1.5">
              <label htmlFor={rulesId} className="text-sm font-medium text-slate-700">
                Rules
              </label>
              <textarea
                id={rulesId}
                aria-describedby={`${rulesId}-hint`}
                value={rules}
                onChange={(e) => setRules(e.target.value)}
                rows={4}
                placeholder={"rougeL.fmeasure >= 0.40\nbleu.score >= baseline.bleu.score - 1.0"}
                className="w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-sm shadow-sm focus:outline-none focus-visible:border-indigo-500 focus-visible:ring-2 focus-visible:ring-indigo-500/40"
              />
              <p id={`${rulesId}-hint`} className="text-xs text-slate-500">
                One per line, e.g. rougeL.fmeasure &gt;= 0.40, or bleu.score &gt;= baseline.bleu.score - 1.0 against a baseline run.
              </p>
            </div>
            {error && (
              <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">
                {error}
              </p>
            )}
            <div>
              <Button type="submit" variant="primary" loading={create.isPending}>
                Create gate
              </Button>
            </div>
          </form>
        )}
      </div>
    </Card>
  );
}
