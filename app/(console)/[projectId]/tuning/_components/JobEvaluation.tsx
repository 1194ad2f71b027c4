"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { linkClass } from "@/app/_components/classes";
import { Badge, type Tone } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { aggregatesOf, fmt, StatusBadge } from "../../evals/_components/figures";
import { Item, isActive, type JobView } from "./shared";

/** The job page's after-success part: its eval run and promotion, and where its dataset came from. */

const evalHref = (slug: string, runId: string) => `/${slug}/evals/runs/${runId}`;

/** The eval run the job started on its result (exact match; ROUGE-L too for generators) and the promotion it requested. */
export function Evaluation({ job, settling }: { job: JobView; settling: boolean }) {
  const trpc = useTRPC();
  const project = useProject();
  const slug = project.slug;
  const run = useQuery(
    trpc.evals.runs.get.queryOptions(
      { projectId: slug, runId: job.evalRunId ?? "" },
      {
        enabled: !!job.evalRunId,
        refetchInterval: (q) => (q.state.data && ["queued", "running"].includes(q.state.data.status) ? 2000 : false),
      },
    ),
  );
  const means = aggregatesOf(run.data?.aggregates).means ?? {};
  const exact = means["exact_match.score"];
  const rouge = means["rougeL.fmeasure"];
  return (
    <dl aria-label="Evaluation" className="grid gap-x-6 gap-y-3 text-sm sm:grid-cols-3">
      <Item label="Eval run">
        {job.evalRunId ? (
          <span className="flex flex-wrap items-center gap-2">
            <Link href={evalHref(slug, job.evalRunId)} className={linkClass}>
              {run.data?.name ?? `run ${job.evalRunId.slice(0, 8)}`}
            </Link>
            {run.data && <StatusBadge status={run.data.status} />}
          </span>
        ) : (
          <span className="text-slate-500">
            {isActive(job.status)
              ? "after the job succeeds"
              : settling
                ? "running…"
                : job.status === "succeeded"
                  ? "none (no held-out rows, or it failed: see the logs)"
                  : "—"}
          </span>
        )}
      </Item>
      <Item label="Exact match">
        <span data-testid="job-exact-match" className="tabular-nums">
          {job.evalRunId ? (run.isError ? errorMessage(run.error) : exact ? `${fmt(exact.mean)} (n=${exact.n})` : "—") : "—"}
        </span>
        {rouge && <span className="ml-2 text-xs text-slate-500 tabular-nums">ROUGE-L F {fmt(rouge.mean)}</span>}
      </Item>
      <Item label="Promotion">
        <Promotion job={job} settling={settling} />
      </Item>
    </dl>
  );
}

const PROMOTION_TONES: Record<string, Tone> = { moved: "green", requested: "blue", blocked: "red", failed: "red", skipped: "amber" };

export function Promotion({ job, settling }: { job: JobView; settling: boolean }) {
  const project = useProject();
  if (!job.promoteTo) return <span className="text-slate-500">not requested</span>;
  const p = job.promotion;
  if (!p)
    return (
      <span className="text-slate-500">
        to @{job.promoteTo}: {isActive(job.status) || settling ? "after the eval run" : "not attempted"}
      </span>
    );
  return (
    <span data-testid="job-promotion" className="flex flex-col items-start gap-1">
      <span className="flex items-center gap-2">
        <Badge tone={PROMOTION_TONES[p.status] ?? "gray"}>{p.status}</Badge>
        <span>to @{p.alias ?? job.promoteTo}</span>
        {p.status === "requested" && (
          <Link href={`/${project.slug}/registry/approvals`} className={linkClass}>
            approval request
          </Link>
        )}
      </span>
      {p.message && <span className="text-xs text-slate-600">{p.message}</span>}
    </span>
  );
}

type LogsSource = {
  kind: "logs";
  view?: string | null;
  format?: string;
  heldOut?: number | null;
  dedupe?: boolean;
  skipped?: { notChat: number; duplicates: number };
};

/** Where the job's dataset version came from, when it was built from logs (a saved view, the format, the split). */
export function DatasetSource({ job }: { job: JobView }) {
  const trpc = useTRPC();
  const project = useProject();
  const slug = project.slug;
  // fresh on mount: a job launched from logs built its dataset a moment ago
  const datasets = useQuery(trpc.datasets.list.queryOptions({ projectId: slug, limit: 200 }, { refetchOnMount: "always" }));
  const ds = datasets.data?.items.find((d) => d.name === job.dataset.name);
  const versions = useQuery(
    trpc.datasets.versions.queryOptions({ projectId: slug, datasetId: ds?.id ?? "", limit: 200 }, { enabled: !!ds }),
  );
  const v = versions.data?.items.find((x) => x.id === job.datasetVersionId);
  if (!v) return null;
  const src = v.source as { kind: string } & Partial<LogsSource>;
  if (src.kind !== "logs")
    return (
      <p className="text-sm text-slate-600">
        Dataset {job.dataset.name} v{job.dataset.version}: {v.rowCount.toLocaleString()} rows, uploaded.
      </p>
    );
  const skipped = (src.skipped?.notChat ?? 0) + (src.skipped?.duplicates ?? 0);
  return (
    <p data-testid="job-dataset-source" className="text-sm text-slate-600">
      Dataset {job.dataset.name} v{job.dataset.version}: {v.rowCount.toLocaleString()} rows built from logs
      {src.view ? (
        <>
          {" "}
          (saved view{" "}
          <Link href={`/${slug}/logs`} className={linkClass}>
            {src.view}
          </Link>
          )
        </>
      ) : null}
      {src.format ? `, as ${src.format === "chat" ? "chat SFT rows" : "traces"}` : ""}
      {src.heldOut ? `, ${Math.round(src.heldOut * 100)}% held out` : ""}
      {src.dedupe ? ", deduplicated" : ""}
      {skipped ? `, ${skipped} trace${skipped === 1 ? "" : "s"} skipped` : ""}.
    </p>
  );
}
