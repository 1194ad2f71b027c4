"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { buttonClass } from "@/app/_components/classes";
import { EmptyState } from "@/app/_components/EmptyState";
import { Card, ErrorBox, Field, PageHeader, Select, Skeleton, Table, Td, Th, When } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { useTRPC } from "@/app/_lib/trpc";
import { aggregatesOf, fmt, isFinished, MAIN_FIGURES, StatusBadge, useDatasetVersions } from "./_components/figures";
import { Gates } from "./_components/Gates";
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
