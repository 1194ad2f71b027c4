"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { linkClass } from "@/app/_components/classes";
import { Alert, Button, ErrorBox, Select, Skeleton, Table, Td, Th, When } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { useTRPC } from "@/app/_lib/trpc";
import { JobStatusBadge, jobHref } from "../../tuning/_components/shared";
import { formatShare } from "./format";
import { monitorHref, VerdictBadge } from "./shared";
import type { AlertItem } from "./types";

type Filter = "open" | "acknowledged" | "all";
/** drifted columns named per alert row; the rest are counted (all of them in the cell's title) */
const SHOWN = 3;

/** Fired alerts, newest first: of the project, or of one monitor (`monitorId`); engineers acknowledge them. */
export function AlertsTable({ monitorId }: { monitorId?: string }) {
  const trpc = useTRPC();
  const project = useProject();
  const queryClient = useQueryClient();
  const slug = project.slug;
  const canAck = atLeast(project.role, "engineer");
  const [filter, setFilter] = useState<Filter>("open");
  const alerts = useQuery(
    trpc.drift.alerts.list.queryOptions(
      { projectId: slug, limit: 100, ...(monitorId ? { monitor: monitorId } : {}), ...(filter === "all" ? {} : { status: filter }) },
      { refetchInterval: 30_000 },
    ),
  );
  const ack = useMutation(trpc.drift.alerts.acknowledge.mutationOptions());
  async function acknowledge(alertId: string) {
    try {
      await ack.mutateAsync({ projectId: slug, alertId });
    } catch {
      return; // shown above the table
    }
    await queryClient.invalidateQueries({ queryKey: trpc.drift.alerts.pathKey() });
  }

  return (
    <div className="flex flex-col gap-3">
      <div className="flex items-center gap-2">
        <label htmlFor={`alerts-filter-${monitorId ?? "all"}`} className="text-sm text-slate-600">
          Show
        </label>
        <Select
          id={`alerts-filter-${monitorId ?? "all"}`}
          value={filter}
          onChange={(e) => setFilter(e.target.value as Filter)}
          className="h-8"
        >
          <option value="open">open alerts</option>
          <option value="acknowledged">acknowledged alerts</option>
          <option value="all">all alerts</option>
        </Select>
      </div>
      {ack.isError && <Alert>{errorMessage(ack.error)}</Alert>}
      {alerts.isPending ? (
        <Skeleton rows={2} />
      ) : alerts.isError ? (
        <ErrorBox title="Could not load alerts" message={errorMessage(alerts.error)} onRetry={() => void alerts.refetch()} />
      ) : alerts.data.items.length === 0 ? (
        <p className="text-sm text-slate-500">{filter === "all" ? "No alerts have fired." : `No ${filter} alerts.`}</p>
      ) : (
        <Table label="Alerts">
          <thead>
            <tr>
              <Th>Fired</Th>
              {!monitorId && <Th>Monitor</Th>}
              <Th>Rule</Th>
              <Th>Run</Th>
              <Th>Verdict</Th>
              <Th>Drifted columns</Th>
              <Th>Retraining</Th>
              <Th>Status</Th>
            </tr>
          </thead>
          <tbody>
            {alerts.data.items.map((a) => {
              const p = payloadOf(a);
              return (
                <tr key={a.id}>
                  <Td>
                    <When at={new Date(a.createdAt)} />
                  </Td>
                  {!monitorId && (
                    <Td>
                      <Link href={monitorHref(slug, a.monitorId)} className={linkClass}>
                        {a.monitorName}
                      </Link>
                    </Td>
                  )}
                  <Td>{a.ruleName}</Td>
                  <Td>
                    <Link href={monitorHref(slug, a.monitorId, a.runId)} className={linkClass}>
                      #{a.runNumber}
                    </Link>
                  </Td>
                  <Td>
                    <span className="flex items-center gap-1.5">
                      <VerdictBadge verdict={p.verdict ?? "drift"} />
                      {p.driftShare !== undefined && <span className="text-xs text-slate-500">{formatShare(p.driftShare)}</span>}
                    </span>
                  </Td>
                  <Td className="max-w-64 text-xs" title={p.drifted.join(", ") || undefined}>
                    {p.drifted.length ? (
                      <>
                        <span className="font-mono">{p.drifted.slice(0, SHOWN).join(", ")}</span>
                        {p.drifted.length > SHOWN && <span className="text-slate-500"> and {p.drifted.length - SHOWN} more</span>}
                      </>
                    ) : (
                      "—"
                    )}
                  </Td>
                  <Td>
                    {a.tuningJobId ? (
                      <RetrainLink jobId={a.tuningJobId} />
                    ) : a.retrainError ? (
                      <span className="text-xs text-red-700">not proposed: {a.retrainError}</span>
                    ) : (
                      <span className="text-slate-400">—</span>
                    )}
                  </Td>
                  <Td>
                    {a.status === "open" ? (
                      canAck ? (
                        <Button size="sm" loading={ack.isPending && ack.variables?.alertId === a.id} onClick={() => void acknowledge(a.id)}>
                          Acknowledge
                        </Button>
                      ) : (
                        <span className="text-xs font-medium text-red-700">open</span>
                      )
                    ) : (
                      <span className="text-xs text-slate-500">
                        acknowledged {a.acknowledgedAt ? <When at={new Date(a.acknowledgedAt)} /> : null}
                      </span>
                    )}
                  </Td>
                </tr>
              );
            })}
          </tbody>
        </Table>
      )}
    </div>
  );
}

/** The alert's payload (the webhook's data) as far as the table reads it. */
function payloadOf(a: AlertItem): { verdict?: string; driftShare?: number; drifted: string[] } {
  const p = a.payload as { verdict?: string; driftShare?: number; driftedColumns?: { name: string }[] };
  return { verdict: p.verdict, driftShare: p.driftShare, drifted: (p.driftedColumns ?? []).map((c) => c.name) };
}

/** The proposed tuning job of an alert, by its number (the job page's address) and status. */
function RetrainLink({ jobId }: { jobId: string }) {
  const trpc = useTRPC();
  const project = useProject();
  const job = useQuery(trpc.tuning.get.queryOptions({ projectId: project.slug, job: jobId }, { staleTime: 30_000 }));
  if (job.isPending) return <span className="text-xs text-slate-400">job…</span>;
  if (job.isError) return <span className="text-xs text-slate-500">job {jobId.slice(0, 8)} (not readable)</span>;
  return (
    <span className="flex flex-col items-start gap-0.5">
      <Link href={jobHref(project.slug, job.data.number)} className={linkClass}>
        job #{job.data.number}
      </Link>
      <JobStatusBadge status={job.data.status} />
    </span>
  );
}
