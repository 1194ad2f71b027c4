"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { linkClass } from "@/app/_components/classes";
import { EmptyState } from "@/app/_components/EmptyState";
import { Badge, Card, ErrorBox, PageHeader, Skeleton, Table, Td, Th, When } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { jobHref, TuningNav, WorkerStatusBadge } from "../_components/shared";

const dash = <span className="text-slate-400">—</span>;
type Worker = RouterOutputs["tuning"]["workers"][number];

/**
 * The workers this project's jobs can run on: what each offers and whether it is online. Workers are
 * shared by every project, so where they run (host, pid) and what other projects run on them are
 * not shown here; instance admins see them under /admin.
 */
export default function WorkersPage() {
  const trpc = useTRPC();
  const project = useProject();
  const slug = project.slug;
  const workers = useQuery(trpc.tuning.workers.queryOptions({ projectId: slug }, { refetchInterval: 5000 }));

  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="Fine-tuning"
        description="Workers that run tuning jobs: each heartbeats every few seconds and claims the jobs its CPUs, GPUs and trainers can run."
      />
      <TuningNav />
      <Card
        title="Workers"
        description="What each worker can run, seen in the last day, newest heartbeat first. Workers are shared by every project of this Keel."
      >
        {workers.isPending ? (
          <Skeleton rows={3} />
        ) : workers.isError ? (
          <ErrorBox title="Could not load workers" message={errorMessage(workers.error)} onRetry={() => void workers.refetch()} />
        ) : workers.data.length === 0 ? (
          <EmptyState title="No workers">
            Start one with <code className="font-mono text-xs">keel worker</code> (or <code className="font-mono text-xs">keel start</code>,
            which runs one beside the web server).
          </EmptyState>
        ) : (
          <Table label="Workers">
            <thead>
              <tr>
                <Th>Worker</Th>
                <Th>Status</Th>
                <Th>Heartbeat</Th>
                <Th>Trainers</Th>
                <Th>GPUs</Th>
                <Th className="text-right">CPUs</Th>
                <Th className="text-right">Memory</Th>
                <Th>Running</Th>
              </tr>
            </thead>
            <tbody>
              {workers.data.map((w) => (
                <WorkerRow key={w.id} w={w} slug={slug} />
              ))}
            </tbody>
          </Table>
        )}
      </Card>
    </div>
  );
}

function WorkerRow({ w, slug }: { w: Worker; slug: string }) {
  const c = w.capabilities;
  return (
    <tr>
      <Td className="font-mono text-xs">{w.name}</Td>
      <Td>
        <WorkerStatusBadge status={w.status} />
      </Td>
      <Td>
        <When at={w.heartbeatAt} />
      </Td>
      <Td>
        <span className="flex flex-wrap gap-1">{c.trainers.length === 0 ? dash : c.trainers.map((t) => <Badge key={t}>{t}</Badge>)}</span>
      </Td>
      <Td>
        {c.gpus.length === 0
          ? dash
          : c.gpus.map((g, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: GPUs are listed by index; names repeat
              <div key={i} className="text-xs whitespace-nowrap">
                {g.name} · {(g.memoryMb / 1024).toFixed(0)} GiB
              </div>
            ))}
        {(c.cuda || c.torch) && (
          <div className="text-xs text-slate-400">
            {[c.cuda && `CUDA ${c.cuda}`, c.torch && `torch ${c.torch}`].filter(Boolean).join(" · ")}
          </div>
        )}
      </Td>
      <Td className="text-right tabular-nums">{c.cpus}</Td>
      <Td className="text-right tabular-nums">{(c.memoryMb / 1024).toFixed(1)} GiB</Td>
      <Td>
        {w.currentJob ? (
          <Link href={jobHref(slug, w.currentJob.number)} className={linkClass}>
            #{w.currentJob.number}
          </Link>
        ) : w.busy ? (
          <span className="text-xs text-slate-500">another project's job</span>
        ) : (
          dash
        )}
      </Td>
    </tr>
  );
}
