"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { EmptyState } from "../../../../_components/EmptyState";
import { Badge, Card, ErrorBox, PageHeader, Skeleton, Table, Td, Th } from "../../../../_components/ui";
import { errorMessage } from "../../../../_lib/errors";
import { useProject } from "../../../../_lib/project";
import { useTRPC } from "../../../../_lib/trpc";
import { When } from "../../registry/_components/shared";
import { jobHref, TuningNav, WorkerStatusBadge } from "../_components/shared";

const dash = <span className="text-slate-400">—</span>;

export default function WorkersPage() {
  const trpc = useTRPC();
  const project = useProject();
  const slug = project.slug;
  const workers = useQuery(trpc.tuning.workers.queryOptions({ projectId: slug }, { refetchInterval: 5000 }));
  // a worker's current job is linked by its number when it is one of this project's
  const jobs = useQuery(trpc.tuning.list.queryOptions({ projectId: slug, limit: 200 }, { refetchInterval: 5000 }));
  const numberOf = new Map((jobs.data ?? []).map((j) => [j.id, j.number]));

  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="Fine-tuning"
        description="Workers that run tuning jobs: each heartbeats every few seconds and claims the jobs its CPUs, GPUs and trainers can run."
      />
      <TuningNav />
      <Card title="Workers" description="Seen in the last day, newest heartbeat first.">
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
                <Th>Name</Th>
                <Th>Host</Th>
                <Th>Status</Th>
                <Th>Heartbeat</Th>
                <Th className="text-right">CPUs</Th>
                <Th className="text-right">Memory</Th>
                <Th>GPUs</Th>
                <Th>Trainers</Th>
                <Th>Current job</Th>
              </tr>
            </thead>
            <tbody>
              {workers.data.map((w) => {
                const c = w.capabilities;
                const n = w.currentJobId ? numberOf.get(w.currentJobId) : undefined;
                return (
                  <tr key={w.id}>
                    <Td className="font-mono text-xs">{w.name}</Td>
                    <Td>
                      {w.host} <span className="text-xs text-slate-400">pid {w.pid}</span>
                    </Td>
                    <Td>
                      <WorkerStatusBadge status={w.status} />
                    </Td>
                    <Td>
                      <When at={w.heartbeatAt} />
                    </Td>
                    <Td className="text-right tabular-nums">{c.cpus}</Td>
                    <Td className="text-right tabular-nums">{(c.memoryMb / 1024).toFixed(1)} GiB</Td>
                    <Td>
                      {c.gpus.length === 0
                        ? dash
                        : c.gpus.map((g, i) => (
                            // biome-ignore lint/suspicious/noArrayIndexKey: GPUs are listed by index; names repeat
                            <div key={i} className="text-xs whitespace-nowrap">
                              {g.name} · {(g.memoryMb / 1024).toFixed(0)} GiB
                            </div>
                          ))}
                      {(c.cuda || c.driver) && (
                        <div className="text-xs text-slate-400">
                          {[c.cuda && `CUDA ${c.cuda}`, c.driver && `driver ${c.driver}`].filter(Boolean).join(" · ")}
                        </div>
                      )}
                      {c.torch && <div className="text-xs text-slate-400">torch {c.torch}</div>}
                    </Td>
                    <Td>
                      <span className="flex flex-wrap gap-1">
                        {c.trainers.length === 0 ? dash : c.trainers.map((t) => <Badge key={t}>{t}</Badge>)}
                      </span>
                    </Td>
                    <Td>
                      {n !== undefined ? (
                        <Link href={jobHref(slug, n)} className="font-medium text-indigo-600 hover:text-indigo-500">
                          #{n}
                        </Link>
                      ) : w.currentJobId ? (
                        <span className="font-mono text-xs text-slate-500">another project's</span>
                      ) : (
                        dash
                      )}
                    </Td>
                  </tr>
                );
              })}
            </tbody>
          </Table>
        )}
      </Card>
    </div>
  );
}
