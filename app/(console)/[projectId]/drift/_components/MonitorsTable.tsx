"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { linkClass } from "@/app/_components/classes";
import { EmptyState } from "@/app/_components/EmptyState";
import { ErrorBox, Skeleton, Table, Td, Th, When } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { formatDateTime } from "@/app/_lib/format";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { formatShare, sourceSummary, windowsSummary } from "./format";
import { Sparkline } from "./Sparkline";
import { monitorHref, VerdictBadge } from "./shared";
import { configOf } from "./types";

/** The project's monitors: what each watches, when it runs, its last verdict and recent drift, open alerts. */
export function MonitorsTable({ action }: { action?: React.ReactNode }) {
  const trpc = useTRPC();
  const project = useProject();
  const slug = project.slug;
  const monitors = useQuery(trpc.drift.monitors.list.queryOptions({ projectId: slug, limit: 200 }, { refetchInterval: 30_000 }));
  const open = useQuery(trpc.drift.alerts.list.queryOptions({ projectId: slug, status: "open", limit: 200 }, { refetchInterval: 30_000 }));
  const openBy = new Map<string, number>();
  for (const a of open.data?.items ?? []) openBy.set(a.monitorId, (openBy.get(a.monitorId) ?? 0) + 1);

  if (monitors.isPending) return <Skeleton rows={3} />;
  if (monitors.isError)
    return <ErrorBox title="Could not load monitors" message={errorMessage(monitors.error)} onRetry={() => void monitors.refetch()} />;
  if (monitors.data.items.length === 0)
    return (
      <EmptyState title="No drift monitors yet" action={action}>
        A monitor compares a current window of logged traffic (lengths, tokens, latency, language, ratings, metadata) with a reference — a
        past range, the window before, or a dataset version — and alerts when the share of drifted columns passes its threshold.
      </EmptyState>
    );
  return (
    <Table label="Drift monitors">
      <thead>
        <tr>
          <Th>Monitor</Th>
          <Th>Source</Th>
          <Th>Schedule</Th>
          <Th>Last verdict</Th>
          <Th className="text-right">Drift share</Th>
          <Th>Recent runs</Th>
          <Th className="text-right">Open alerts</Th>
        </tr>
      </thead>
      <tbody>
        {monitors.data.items.map((m) => {
          const config = configOf(m);
          const alerts = openBy.get(m.id) ?? 0;
          return (
            <tr key={m.id}>
              <Td>
                <Link href={monitorHref(slug, m.id)} className={linkClass}>
                  {m.name}
                </Link>
                {!m.active && <span className="ml-2 text-xs text-slate-500">(paused)</span>}
              </Td>
              <Td className="max-w-80 text-xs text-slate-600">
                <span className="block">{sourceSummary(config)}</span>
                <span className="block text-slate-500">{windowsSummary(config)}</span>
              </Td>
              <Td className="text-xs">
                {m.schedule ? (
                  <>
                    <code className="font-mono">{m.schedule}</code>
                    {m.nextRunAt && <span className="block text-slate-500">next {formatDateTime(new Date(m.nextRunAt))}</span>}
                  </>
                ) : (
                  <span className="text-slate-500">on demand</span>
                )}
              </Td>
              <Td>
                {m.lastRun ? (
                  <span className="flex flex-col items-start gap-0.5">
                    <VerdictBadge verdict={m.lastRun.verdict} />
                    <span className="text-xs text-slate-500">
                      <Link href={monitorHref(slug, m.id, m.lastRun.id)} className="hover:underline">
                        run #{m.lastRun.number}
                      </Link>{" "}
                      · <When at={new Date(m.lastRun.createdAt)} />
                    </span>
                  </span>
                ) : (
                  <span className="text-xs text-slate-400">no runs yet</span>
                )}
              </Td>
              <Td className="text-right tabular-nums">{m.lastRun ? formatShare(m.lastRun.driftShare) : "—"}</Td>
              <Td>
                <Sparkline recent={m.recent} />
              </Td>
              <Td className="text-right">
                {alerts > 0 ? (
                  <Link href={`${monitorHref(slug, m.id)}#alerts`} className="font-medium text-red-700 hover:underline">
                    {alerts} open
                  </Link>
                ) : (
                  <span className="text-slate-400">0</span>
                )}
              </Td>
            </tr>
          );
        })}
      </tbody>
    </Table>
  );
}
