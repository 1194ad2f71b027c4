"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { linkClass } from "@/app/_components/classes";
import { Badge, Card, ErrorBox, Skeleton, Table, Td, Th, type Tone, When } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useTRPC } from "@/app/_lib/trpc";

const dash = <span className="text-slate-400">—</span>;
const TONES: Record<string, Tone> = { online: "green", stopped: "gray", lost: "red" };

/** Every tuning worker of the instance: where it runs (host, pid), what it offers, and the job and project it runs now. */
export function Workers() {
  const trpc = useTRPC();
  const workers = useQuery(trpc.tuning.allWorkers.queryOptions(undefined, { refetchInterval: 5000 }));
  return (
    <Card
      title="Workers"
      description="Tuning workers seen in the last day, newest heartbeat first. Projects see what they offer, not where they run."
    >
      {workers.isPending ? (
        <Skeleton rows={3} />
      ) : workers.isError ? (
        <ErrorBox title="Could not load workers" message={errorMessage(workers.error)} onRetry={() => void workers.refetch()} />
      ) : workers.data.length === 0 ? (
        <p className="text-sm text-slate-600">
          No worker seen in the last day. Start one with <code className="font-mono text-xs">keel worker</code>.
        </p>
      ) : (
        <Table label="Instance workers">
          <thead>
            <tr>
              <Th>Name</Th>
              <Th>Host</Th>
              <Th>Status</Th>
              <Th>Heartbeat</Th>
              <Th>Trainers</Th>
              <Th>GPUs</Th>
              <Th>Current job</Th>
            </tr>
          </thead>
          <tbody>
            {workers.data.map((w) => (
              <tr key={w.id}>
                <Td className="font-mono text-xs">{w.name}</Td>
                <Td>
                  {w.host} <span className="text-xs text-slate-400">pid {w.pid}</span>
                </Td>
                <Td>
                  <Badge tone={TONES[w.status] ?? "gray"}>{w.status}</Badge>
                </Td>
                <Td>
                  <When at={w.heartbeatAt} />
                </Td>
                <Td>
                  <span className="flex flex-wrap gap-1">
                    {w.capabilities.trainers.length === 0 ? dash : w.capabilities.trainers.map((t) => <Badge key={t}>{t}</Badge>)}
                  </span>
                </Td>
                <Td>
                  {w.capabilities.gpus.length === 0
                    ? dash
                    : w.capabilities.gpus.map((g, i) => (
                        // biome-ignore lint/suspicious/noArrayIndexKey: GPUs are listed by index; names repeat
                        <div key={i} className="text-xs whitespace-nowrap">
                          {g.name} · {(g.memoryMb / 1024).toFixed(0)} GiB
                        </div>
                      ))}
                  {w.capabilities.driver && <div className="text-xs text-slate-400">driver {w.capabilities.driver}</div>}
                </Td>
                <Td>
                  {w.currentJob ? (
                    <Link href={`/${w.currentJob.project.slug}/tuning/${w.currentJob.number}`} className={linkClass}>
                      {w.currentJob.project.name} #{w.currentJob.number}
                    </Link>
                  ) : (
                    dash
                  )}
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </Card>
  );
}
