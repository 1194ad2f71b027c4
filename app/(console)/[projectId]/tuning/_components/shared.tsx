"use client";

import { usePathname } from "next/navigation";
import { SectionTabs } from "@/app/_components/SectionTabs";
import { Badge, type Tone } from "@/app/_components/ui";
import { percent } from "@/app/_lib/format";
import { useProject } from "@/app/_lib/project";
import type { RouterOutputs } from "@/app/_lib/trpc";

export type JobView = RouterOutputs["tuning"]["get"];
export type JobStatus = JobView["status"];

/** Jobs that can still change (the UI keeps polling them; engineers may cancel them). */
export const ACTIVE: readonly JobStatus[] = ["queued", "assigned", "running"];
export const isActive = (s: JobStatus) => ACTIVE.includes(s);

export const tuningHref = (slug: string) => `/${slug}/tuning`;
export const jobHref = (slug: string, number: number) => `/${slug}/tuning/${number}`;
export const workersHref = (slug: string) => `/${slug}/tuning/workers`;

const TONES: Record<JobStatus, Tone> = {
  awaiting_approval: "amber",
  rejected: "gray",
  queued: "amber",
  assigned: "blue",
  running: "indigo",
  succeeded: "green",
  failed: "red",
  cancelled: "gray",
};

export function JobStatusBadge({ status }: { status: JobStatus }) {
  return <Badge tone={TONES[status]}>{status}</Badge>;
}

const WORKER_TONES: Record<string, Tone> = { online: "green", stopped: "gray", lost: "red" };
export function WorkerStatusBadge({ status }: { status: string }) {
  return <Badge tone={WORKER_TONES[status] ?? "gray"}>{status}</Badge>;
}

/** A 0..1 fraction as a bar with its percentage (and the trainer's message, when it sent one). */
export function Progress({ progress }: { progress: JobView["progress"] }) {
  if (!progress) return <span className="text-slate-400">—</span>;
  const pct = percent(progress.fraction);
  return (
    <div className="flex min-w-28 flex-col gap-1">
      <div
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        aria-label="Progress"
        className="h-1.5 w-full overflow-hidden rounded bg-slate-100"
      >
        <div className="h-full bg-indigo-500" style={{ width: `${pct}%` }} />
      </div>
      <span className="text-xs text-slate-500 tabular-nums">
        {pct}%{progress.message ? ` · ${progress.message}` : ""}
      </span>
    </div>
  );
}

/** Jobs | Workers tabs of the Tuning section. */
export function TuningNav() {
  const project = useProject();
  const pathname = usePathname();
  const base = tuningHref(project.slug);
  const tabs = [
    {
      href: base,
      label: "Jobs",
      active: pathname === base || (pathname.startsWith(`${base}/`) && !pathname.startsWith(`${base}/workers`)),
    },
    { href: `${base}/workers`, label: "Workers", active: pathname.startsWith(`${base}/workers`) },
  ];
  return <SectionTabs label="Tuning sections" tabs={tabs} />;
}

/** One labelled value of a job's description list. */
export function Item({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="flex flex-col gap-1">
      <dt className="text-xs font-medium tracking-wide text-slate-500 uppercase">{label}</dt>
      <dd className="text-slate-800">{children}</dd>
    </div>
  );
}
