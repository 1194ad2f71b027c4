"use client";

import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { linkClass } from "@/app/_components/classes";
import { EmptyState } from "@/app/_components/EmptyState";
import { Badge, Button, Card, ErrorBox, Field, PageHeader, Select, Skeleton, Table, Td, Th, type Tone } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { formatDateTime, formatRelative, percent } from "@/app/_lib/format";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { type RouterInputs, type RouterOutputs, useTRPC } from "@/app/_lib/trpc";

type Job = RouterOutputs["jobs"]["list"]["items"][number];
type Status = Job["status"];
type Kind = Job["kind"];

const STATUS_TONE: Record<Status, Tone> = { queued: "gray", running: "blue", succeeded: "green", failed: "red", cancelled: "amber" };
const STATUSES = Object.keys(STATUS_TONE) as Status[];
const PAGE_SIZE = 25;
const REFRESH_MS = 2_000;

export default function JobsPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const project = useProject();
  const [status, setStatus] = useState<Status | "">("");
  const [kind, setKind] = useState<Kind | "">("");
  const input: RouterInputs["jobs"]["list"] = {
    projectId: project.slug,
    limit: PAGE_SIZE,
    status: status ? [status] : undefined,
    kind: kind || undefined,
  };
  const jobs = useInfiniteQuery(
    trpc.jobs.list.infiniteQueryOptions(input, {
      getNextPageParam: (page) => page.nextCursor,
      refetchInterval: REFRESH_MS,
    }),
  );
  const cancel = useMutation(
    trpc.jobs.cancel.mutationOptions({
      onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.jobs.list.pathKey() }),
    }),
  );
  const canCancel = atLeast(project.role, "engineer");
  const items = jobs.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <>
      <PageHeader
        title="Jobs"
        description="Background work of every domain in this project: eval runs, fine-tuning jobs, batch inference, drift snapshots, dataset builds."
      />
      <Card
        title="Recent jobs"
        description={`Refreshes every ${REFRESH_MS / 1000} seconds.`}
        actions={
          <div className="flex gap-2">
            <Field label={<span className="sr-only">Kind</span>} className="w-40">
              <Select value={kind} onChange={(e) => setKind(e.target.value as Kind | "")}>
                <option value="">All kinds</option>
                <option value="queue">Queue jobs</option>
                <option value="tuning">Fine-tuning jobs</option>
              </Select>
            </Field>
            <Field label={<span className="sr-only">Status</span>} className="w-40">
              <Select value={status} onChange={(e) => setStatus(e.target.value as Status | "")}>
                <option value="">All statuses</option>
                {STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {s.charAt(0).toUpperCase() + s.slice(1)}
                  </option>
                ))}
              </Select>
            </Field>
          </div>
        }
      >
        <div className="flex flex-col gap-3">
          {cancel.error && <ErrorBox title="Could not cancel the job" message={errorMessage(cancel.error)} />}
          {jobs.isError && <ErrorBox title="Could not load jobs" message={errorMessage(jobs.error)} onRetry={() => void jobs.refetch()} />}
          {jobs.isPending ? (
            <Skeleton rows={5} />
          ) : items.length === 0 && !jobs.isError ? (
            <EmptyState title={status || kind ? "No jobs match" : "No jobs yet"}>
              Jobs appear here when you start an eval run, a fine-tuning job, batch inference or a dataset build.
            </EmptyState>
          ) : items.length > 0 ? (
            <Table label="Jobs">
              <thead>
                <tr>
                  <Th>Name</Th>
                  <Th>Status</Th>
                  <Th>Progress</Th>
                  <Th>Attempts</Th>
                  <Th>Created</Th>
                  <Th>Last error</Th>
                  {canCancel && (
                    <Th>
                      <span className="sr-only">Actions</span>
                    </Th>
                  )}
                </tr>
              </thead>
              <tbody>
                {items.map((job) => (
                  <JobRow
                    key={job.id}
                    job={job}
                    canCancel={canCancel}
                    cancelling={cancel.isPending && cancel.variables?.jobId === job.id}
                    slug={project.slug}
                    onCancel={() => cancel.mutate({ projectId: project.slug, jobId: job.id })}
                  />
                ))}
              </tbody>
            </Table>
          ) : null}
          {jobs.hasNextPage && (
            <div className="flex justify-center pt-1">
              <Button onClick={() => void jobs.fetchNextPage()} loading={jobs.isFetchingNextPage}>
                Load more
              </Button>
            </div>
          )}
        </div>
      </Card>
    </>
  );
}

function JobRow({
  job,
  slug,
  canCancel,
  cancelling,
  onCancel,
}: {
  job: Job;
  slug: string;
  canCancel: boolean;
  cancelling: boolean;
  onCancel: () => void;
}) {
  const pct = percent(job.progress);
  const active = job.status === "queued" || job.status === "running";
  const cancelRequested = active && job.cancelRequestedAt !== null;
  return (
    <tr>
      <Td>
        {job.tuning ? (
          <Link href={`/${slug}/tuning/${job.tuning.number}`} className={`text-sm whitespace-nowrap ${linkClass}`}>
            Fine-tuning job #{job.tuning.number}
          </Link>
        ) : null}
        <div className="font-mono text-xs whitespace-nowrap text-slate-900">
          {job.name}
          {job.tuning && job.tuning.status !== job.status ? (
            <span className="text-slate-500"> · {job.tuning.status.replace("_", " ")}</span>
          ) : null}
        </div>
        {job.message && <div className="mt-0.5 line-clamp-1 max-w-64 text-xs text-slate-500">{job.message}</div>}
      </Td>
      <Td>
        <Badge tone={STATUS_TONE[job.status]}>{cancelRequested ? "cancelling" : job.status}</Badge>
      </Td>
      <Td>
        <div className="flex items-center gap-2">
          <div
            role="progressbar"
            aria-label={`Progress of ${job.name}`}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={pct}
            className="h-1.5 w-24 overflow-hidden rounded-full bg-slate-200"
          >
            <div
              className={
                job.status === "failed"
                  ? "h-full bg-red-500"
                  : job.status === "succeeded"
                    ? "h-full bg-emerald-500"
                    : "h-full bg-indigo-500"
              }
              style={{ width: `${pct}%` }}
            />
          </div>
          <span className="w-9 text-right text-xs text-slate-600 tabular-nums">{pct}%</span>
        </div>
      </Td>
      <Td className="whitespace-nowrap tabular-nums">
        {job.attempts}/{job.maxAttempts}
      </Td>
      <Td>
        <time dateTime={job.createdAt.toISOString()} title={formatDateTime(job.createdAt)} className="whitespace-nowrap">
          {formatRelative(job.createdAt)}
        </time>
      </Td>
      <Td>{job.lastError ? <LastError text={job.lastError} /> : <span className="text-slate-400">—</span>}</Td>
      {canCancel && (
        <Td className="text-right">
          {active && (
            <Button size="sm" variant="danger" onClick={onCancel} loading={cancelling} disabled={cancelRequested}>
              Cancel
            </Button>
          )}
        </Td>
      )}
    </tr>
  );
}

/** The first line of an error, and the whole text (a tuning job's includes the trainer's last log lines) one click away. */
function LastError({ text }: { text: string }) {
  const first = text.split("\n", 1)[0] ?? "";
  if (first === text && text.length <= 160)
    return <span className="block max-w-80 min-w-40 font-mono text-xs break-words text-red-700">{text}</span>;
  return (
    <details className="max-w-96 min-w-40">
      <summary className="line-clamp-2 cursor-pointer font-mono text-xs break-words text-red-700">{first}</summary>
      <pre className="mt-1 max-h-64 overflow-auto rounded bg-red-50 p-2 font-mono text-xs whitespace-pre-wrap text-red-800">{text}</pre>
    </details>
  );
}
