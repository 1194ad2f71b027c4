"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { Suspense, useState } from "react";
import { linkClass } from "@/app/_components/classes";
import { EmptyState } from "@/app/_components/EmptyState";
import { Button, Card, ErrorBox, PageHeader, Skeleton, Table, Td, Th, When } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { useTRPC } from "@/app/_lib/trpc";
import { versionHref } from "@/app/(console)/[projectId]/registry/_components/shared";
import { LaunchForm } from "./_components/LaunchForm";
import { isActive, JobStatusBadge, jobHref, Progress, TuningNav } from "./_components/shared";

export default function TuningPage() {
  // useSearchParams needs a Suspense boundary when Next renders the page ahead of the request.
  return (
    <Suspense fallback={<Skeleton rows={4} />}>
      <Tuning />
    </Suspense>
  );
}

function Tuning() {
  const trpc = useTRPC();
  const project = useProject();
  const router = useRouter();
  const slug = project.slug;
  const canLaunch = atLeast(project.role, "engineer");
  /** `?view=NAME` (the logs explorer's "Fine-tune on it"): the launch form opens on that saved view */
  const view = useSearchParams().get("view") ?? undefined;
  const [launching, setLaunching] = useState(Boolean(view));
  const jobs = useQuery(
    trpc.tuning.list.queryOptions(
      { projectId: slug, limit: 200 },
      { refetchInterval: (q) => (q.state.data?.some((j) => isActive(j.status)) ? 2000 : 10_000) },
    ),
  );

  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="Fine-tuning"
        description="Train new model versions on your datasets, on CPU or GPU workers. Each finished job registers a model version with its lineage."
        actions={
          canLaunch && (
            <Button variant={launching ? "secondary" : "primary"} onClick={() => setLaunching(!launching)} aria-expanded={launching}>
              {launching ? "Close" : "Launch"}
            </Button>
          )
        }
      />
      <TuningNav />
      {launching && (
        <Card
          title="Launch a job"
          description="Method, base model version, dataset version and hyperparameters; the server checks them all before queueing."
        >
          <LaunchForm initialView={view} onLaunched={(n) => router.push(jobHref(slug, n))} />
        </Card>
      )}
      <Card title="Jobs">
        {jobs.isPending ? (
          <Skeleton rows={3} />
        ) : jobs.isError ? (
          <ErrorBox title="Could not load jobs" message={errorMessage(jobs.error)} onRetry={() => void jobs.refetch()} />
        ) : jobs.data.length === 0 ? (
          <EmptyState title="No fine-tuning jobs yet">
            Launch one to train a classifier head on an embedding model, or LoRA adapters on a causal LM. Jobs show here with their state,
            logs and loss curves.
          </EmptyState>
        ) : (
          <Table label="Tuning jobs">
            <thead>
              <tr>
                <Th>Job</Th>
                <Th>Method</Th>
                <Th>Base</Th>
                <Th>Dataset</Th>
                <Th>Status</Th>
                <Th>Progress</Th>
                <Th>Result</Th>
                <Th>Created</Th>
              </tr>
            </thead>
            <tbody>
              {jobs.data.map((j) => (
                <tr key={j.id}>
                  <Td>
                    <Link href={jobHref(slug, j.number)} className={linkClass}>
                      #{j.number}
                    </Link>
                  </Td>
                  <Td className="font-mono text-xs">{j.method}</Td>
                  <Td>
                    <Link href={versionHref(slug, j.base.model, j.base.version)} className={linkClass}>
                      {j.base.model} v{j.base.version}
                    </Link>
                  </Td>
                  <Td>
                    {j.dataset.name} v{j.dataset.version}
                  </Td>
                  <Td>
                    <div className="flex flex-col items-start gap-1">
                      <JobStatusBadge status={j.status} />
                      {(j.status === "queued" || j.status === "awaiting_approval") && j.waitReason && (
                        <span className="max-w-56 text-xs text-amber-700">{j.waitReason}</span>
                      )}
                    </div>
                  </Td>
                  <Td>
                    <Progress progress={j.status === "succeeded" ? { fraction: 1 } : j.progress} />
                  </Td>
                  <Td>
                    {j.result ? (
                      <Link href={versionHref(slug, j.result.model, j.result.version)} className={linkClass}>
                        {j.result.model} v{j.result.version}
                      </Link>
                    ) : (
                      <span className="text-slate-400">—</span>
                    )}
                  </Td>
                  <Td>
                    <When at={j.createdAt} />
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
    </div>
  );
}
