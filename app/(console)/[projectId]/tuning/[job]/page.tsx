"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useParams } from "next/navigation";
import { useEffect, useState } from "react";
import { linkClass } from "@/app/_components/classes";
import { Alert, BackLink, Button, Card, ErrorBox, PageHeader, Skeleton, When } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { formatDateTime } from "@/app/_lib/format";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { useTRPC } from "@/app/_lib/trpc";
import { KeyValues, runHref, versionHref } from "@/app/(console)/[projectId]/registry/_components/shared";
import { RetrainProposal } from "../../drift/_components/RetrainProposal";
import { MetricChart, RUN_COLORS } from "../../registry/_components/MetricChart";
import { DatasetSource, Evaluation } from "../_components/JobEvaluation";
import { LogView, useJobLogs } from "../_components/JobLogs";
import { Item, isActive, JobStatusBadge, type JobView, jobHref, Progress, TuningNav, tuningHref, workersHref } from "../_components/shared";

/** The series the trainers record on the job's run, loss first. */
const SERIES = ["loss", "learning_rate", "examples_per_sec", "tokens_per_sec", "gpu_memory_mb"];
/**
 * A job turns succeeded when its result is registered; its eval run and the promotion request come
 * after that, and `settledAt` marks their end. Until then the page keeps polling.
 */
function settling(j: JobView): boolean {
  return j.status === "succeeded" && !j.settledAt;
}

export default function JobPage() {
  const trpc = useTRPC();
  const project = useProject();
  const slug = project.slug;
  const raw = useParams<{ job: string }>().job ?? "";
  const number = /^\d+$/.test(raw) ? Number(raw) : 0;
  const [afterSuccess, setAfterSuccess] = useState(false);
  const job = useQuery(
    trpc.tuning.get.queryOptions(
      { projectId: slug, job: number },
      {
        enabled: number > 0,
        refetchInterval: (q) => (q.state.data && isActive(q.state.data.status) ? 1000 : afterSuccess ? 2000 : false),
      },
    ),
  );
  const live = !job.data || isActive(job.data.status) || afterSuccess;
  const logs = useJobLogs(slug, number, number > 0 && live);
  const settlingNow = !!job.data && settling(job.data);
  useEffect(() => setAfterSuccess(settlingNow), [settlingNow]);
  const back = <BackLink href={tuningHref(slug)}>All jobs</BackLink>;

  if (number === 0)
    return (
      <div className="flex flex-col gap-6">
        {back}
        <ErrorBox title="No such job" message={`"${raw}" is not a job number.`} />
      </div>
    );
  if (job.isPending) return <Skeleton rows={4} />;
  if (job.isError)
    return (
      <div className="flex flex-col gap-6">
        {back}
        <ErrorBox title="Could not load the job" message={errorMessage(job.error)} onRetry={() => void job.refetch()} />
      </div>
    );
  const j = job.data;
  return (
    <div className="flex flex-col gap-6">
      {back}
      <PageHeader
        title={`Job #${j.number}`}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <span className="font-mono text-xs">{j.method}</span>
            <span>
              on {j.base.model} v{j.base.version} with {j.dataset.name} v{j.dataset.version}
            </span>
            <span>· created {formatDateTime(j.createdAt)}</span>
          </span>
        }
        actions={atLeast(project.role, "engineer") && isActive(j.status) && <CancelButton job={j} />}
      />
      <TuningNav />
      <RetrainProposal job={j} />
      <Card title="Status">
        <dl className="grid gap-x-6 gap-y-3 text-sm sm:grid-cols-3">
          <Item label="Status">
            <span className="flex flex-col items-start gap-1">
              <span data-testid="job-status">
                <JobStatusBadge status={j.status} />
              </span>
              {j.cancelRequestedAt && isActive(j.status) && <span className="text-xs text-slate-500">cancel requested</span>}
              {(j.status === "queued" || j.status === "awaiting_approval") && j.waitReason && (
                <span className="text-xs text-amber-700">{j.waitReason}</span>
              )}
            </span>
          </Item>
          <Item label="Attempt">
            {j.attempt} of {j.maxAttempts}
          </Item>
          <Item label="Worker">
            {j.worker ? (
              <Link href={workersHref(slug)} className={linkClass}>
                {j.worker.name}
              </Link>
            ) : (
              "—"
            )}
          </Item>
          <Item label="Progress">
            <Progress progress={j.status === "succeeded" ? { fraction: 1, message: j.progress?.message } : j.progress} />
          </Item>
          <Item label="Started">
            <When at={j.startedAt} />
          </Item>
          <Item label="Finished">
            <When at={j.finishedAt} />
          </Item>
        </dl>
      </Card>
      {j.error && (
        <Card title="Error">
          <div className="flex flex-col gap-3">
            <Alert>{j.error}</Alert>
            <LogView lines={logs.lines.slice(-20)} label="Last log lines" />
          </div>
        </Card>
      )}
      <Card title="Lineage" description="Where the result version came from.">
        <div className="flex flex-col gap-3">
          <Lineage job={j} />
          <DatasetSource job={j} />
        </div>
      </Card>
      <Card
        title="Evaluation"
        description="After success: an eval run of the result on the dataset's held-out rows, then the promotion it asked for."
      >
        <Evaluation job={j} settling={afterSuccess} />
      </Card>
      <Card title="Loss" description="The run's metric series, as the trainer records them.">
        {j.runId ? <RunCharts runId={j.runId} live={isActive(j.status)} /> : <p className="text-sm text-slate-500">No run yet.</p>}
      </Card>
      <Card title="Logs" actions={live && <span className="text-xs text-slate-500">live</span>}>
        <div className="flex flex-col gap-2">
          {logs.error && <Alert>Could not load log lines: {logs.error}</Alert>}
          <LogView lines={logs.lines} />
        </div>
      </Card>
      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="Hyperparameters">
          <KeyValues label="Hyperparameters" values={j.hyperparameters} />
        </Card>
        <Card title="Metrics">
          <KeyValues label="Metrics" values={j.metrics ?? {}} empty="No metrics yet." />
        </Card>
        <Card title="Resources">
          <KeyValues
            label="Resources"
            values={{
              kind: j.resources.kind,
              ...(j.resources.kind === "gpu" ? { minGpuMemoryMb: j.resources.minGpuMemoryMb ?? 0 } : {}),
              seed: j.seed,
              wallTimeLimitS: j.wallTimeLimitS,
              maxAttempts: j.maxAttempts,
              "fields.text": j.fields.text,
              "fields.label": j.fields.label,
              outputModel: j.outputModel,
            }}
          />
        </Card>
      </div>
    </div>
  );
}

function CancelButton({ job }: { job: JobView }) {
  const trpc = useTRPC();
  const project = useProject();
  const queryClient = useQueryClient();
  const cancel = useMutation(trpc.tuning.cancel.mutationOptions());
  return (
    <div className="flex items-center gap-2">
      {cancel.isError && <span className="text-sm text-red-700">{errorMessage(cancel.error)}</span>}
      <Button
        variant="danger"
        loading={cancel.isPending}
        disabled={!!job.cancelRequestedAt}
        onClick={async () => {
          if (!window.confirm(`Cancel job #${job.number}?`)) return;
          try {
            await cancel.mutateAsync({ projectId: project.slug, job: job.id });
          } catch {
            return; // shown beside the button
          }
          await queryClient.invalidateQueries({ queryKey: trpc.tuning.pathKey() });
        }}
      >
        {job.cancelRequestedAt ? "Cancelling…" : "Cancel"}
      </Button>
    </div>
  );
}

/** base version → dataset version → job → run → result version, each a link where it has a page. */
function Lineage({ job }: { job: JobView }) {
  const project = useProject();
  const slug = project.slug;
  const steps = [
    {
      kind: "base",
      node: (
        <Link
          href={versionHref(slug, job.base.model, job.base.version)}
          className={linkClass}
        >{`${job.base.model} v${job.base.version}`}</Link>
      ),
    },
    {
      kind: "dataset",
      node: <Link href={`/${slug}/datasets`} className={linkClass}>{`${job.dataset.name} v${job.dataset.version}`}</Link>,
    },
    { kind: "job", node: <Link href={jobHref(slug, job.number)} className={linkClass}>{`job #${job.number}`}</Link> },
    {
      kind: "run",
      node: job.runId ? (
        <Link href={runHref(slug, job.runId)} className={linkClass}>
          run {job.runId.slice(0, 8)}
        </Link>
      ) : (
        <span className="text-slate-400">no run yet</span>
      ),
    },
    {
      kind: "result",
      node: job.result ? (
        <Link href={versionHref(slug, job.result.model, job.result.version)} className={linkClass}>
          {`${job.result.model} v${job.result.version}`}
        </Link>
      ) : (
        <span className="text-slate-400">{`${job.outputModel} (not registered yet)`}</span>
      ),
    },
  ];
  return (
    <ol aria-label="Lineage" className="flex flex-wrap items-center gap-2 text-sm">
      {steps.map((s, i) => (
        <li key={s.kind} className="flex items-center gap-2">
          {i > 0 && (
            <span aria-hidden="true" className="text-slate-400">
              →
            </span>
          )}
          <span className="flex flex-col rounded-md border border-slate-200 px-2.5 py-1.5">
            <span className="text-[10px] font-medium tracking-wide text-slate-500 uppercase">{s.kind}</span>
            {s.node}
          </span>
        </li>
      ))}
    </ol>
  );
}

/** Loss (and the other series the trainer logs) from the run's metric history, refreshed while the job runs. */
function RunCharts({ runId, live }: { runId: string; live: boolean }) {
  const trpc = useTRPC();
  const project = useProject();
  const run = useQuery(
    trpc.registry.experiments.run.queryOptions({ projectId: project.slug, runId }, { refetchInterval: live ? 2000 : false }),
  );
  const keys = SERIES.filter((k) => run.data?.metrics.some((m) => m.key === k));
  const history = useQuery(
    trpc.registry.experiments.metricHistory.queryOptions(
      { projectId: project.slug, runId, keys, maxPoints: 1000 },
      { enabled: keys.length > 0, refetchInterval: live ? 2000 : false },
    ),
  );
  // once more when the job finishes: its last points (or all of them, for a short job) land after the last poll
  const [refetchRun, refetchHistory, hasKeys] = [run.refetch, history.refetch, keys.length > 0];
  useEffect(() => {
    if (live) return;
    void refetchRun();
    if (hasKeys) void refetchHistory();
  }, [live, refetchRun, refetchHistory, hasKeys]);
  if (run.isPending) return <Skeleton rows={2} />;
  if (run.isError) return <ErrorBox title="Could not load the run" message={errorMessage(run.error)} onRetry={() => void run.refetch()} />;
  if (keys.length === 0) return <p className="text-sm text-slate-500">No loss recorded yet.</p>;
  if (history.isPending) return <Skeleton rows={2} />;
  if (history.isError)
    return <ErrorBox title="Could not load metric history" message={errorMessage(history.error)} onRetry={() => void history.refetch()} />;
  return (
    <div className="grid gap-6 md:grid-cols-2">
      {history.data.map((s, i) => (
        <MetricChart
          key={s.key}
          title={s.key}
          series={[{ label: s.key, color: RUN_COLORS[i % RUN_COLORS.length] as string, steps: s.steps, values: s.values }]}
        />
      ))}
    </div>
  );
}
