"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useParams } from "next/navigation";
import { BackLink, Badge, Card, ErrorBox, PageHeader, Skeleton, Table, Td, Th, When } from "@/app/_components/ui";
import { errorCode, errorMessage } from "@/app/_lib/errors";
import { formatCost } from "@/app/_lib/format";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { decodeParam } from "@/app/_lib/url";
import { formatInt, formatLatency, previewText } from "../../_components/format";
import { sessionHref } from "../../_components/groups";
import { ScoreSummaries } from "../../_components/ScoreSummaries";
import { traceHref } from "../../_components/TracesTable";

const day = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" });

/** One end user: totals, traffic per day over the last 30 days, ratings and recent traces. */
export default function UserPage() {
  const trpc = useTRPC();
  const project = useProject();
  const userId = decodeParam(useParams<{ userId: string }>().userId);
  const user = useQuery(trpc.logs.users.get.queryOptions({ projectId: project.slug, userId }));
  const back = <BackLink href={`/${project.slug}/logs/users`}>All users</BackLink>;

  if (user.isPending) return <Skeleton rows={8} />;
  if (user.isError) {
    const missing = errorCode(user.error) === "NOT_FOUND";
    return (
      <div className="flex flex-col gap-4">
        {back}
        <ErrorBox
          title={missing ? "User not found" : "Could not load the user"}
          message={missing ? `No trace of this project has the user id ${userId}.` : errorMessage(user.error)}
          onRetry={missing ? undefined : () => void user.refetch()}
        />
      </div>
    );
  }
  const { user: u, daily, recent } = user.data;
  return (
    <div className="flex flex-col gap-6">
      {back}
      <PageHeader
        title={<span className="font-mono break-all">{u.key}</span>}
        description={
          <>
            First seen <When at={u.firstAt} />, last seen <When at={u.lastAt} />
          </>
        }
      />
      <dl className="grid grid-cols-2 gap-4 sm:grid-cols-4">
        {[
          ["Traces", formatInt(u.traces)],
          ["Failed", formatInt(u.errors)],
          ["Tokens", formatInt(u.inputTokens + u.outputTokens)],
          ["Cost", formatCost(u.cost)],
        ].map(([label, value]) => (
          <div key={label} className="rounded-lg border border-slate-200 bg-white px-4 py-3 shadow-sm">
            <dt className="text-xs text-slate-500">{label}</dt>
            <dd className="text-lg font-semibold text-slate-900 tabular-nums">{value}</dd>
          </div>
        ))}
      </dl>
      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="Traffic per day" description="The last 30 days (UTC days); days without traces are left out.">
          {daily.length === 0 ? (
            <p className="text-sm text-slate-500">No traces in the last 30 days.</p>
          ) : (
            <Table label="Traffic per day">
              <thead>
                <tr>
                  <Th>Day</Th>
                  <Th className="text-right">Traces</Th>
                  <Th className="text-right">Failed</Th>
                  <Th className="text-right">Tokens</Th>
                  <Th className="text-right">Cost</Th>
                </tr>
              </thead>
              <tbody>
                {daily.map((d) => (
                  <tr key={d.day.toISOString()}>
                    <Td className="whitespace-nowrap">{day.format(d.day)}</Td>
                    <Td className="text-right tabular-nums">{formatInt(d.traces)}</Td>
                    <Td className="text-right tabular-nums">{formatInt(d.errors)}</Td>
                    <Td className="text-right tabular-nums">{formatInt(d.tokens)}</Td>
                    <Td className="text-right tabular-nums">{formatCost(d.cost)}</Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )}
        </Card>
        <Card title="Ratings" description="Per score name, each by its kind.">
          <ScoreSummaries scores={u.ratings} empty="This user's traces have no ratings." />
        </Card>
      </div>
      <Card title="Recent traces" description="The newest 20.">
        <Table label="Recent traces">
          <thead>
            <tr>
              <Th>When</Th>
              <Th>Input</Th>
              <Th>Session</Th>
              <Th className="text-right">Latency</Th>
              <Th className="text-right">Cost</Th>
            </tr>
          </thead>
          <tbody>
            {recent.map((t) => (
              <tr key={t.id}>
                <Td className="whitespace-nowrap">
                  <Link href={traceHref(project.slug, t.id)} className="text-indigo-600 hover:text-indigo-500">
                    <When at={t.timestamp} />
                  </Link>
                  {t.status === "error" && (
                    <span className="ml-2">
                      <Badge tone="red">error</Badge>
                    </span>
                  )}
                </Td>
                <Td className="max-w-96 truncate">{previewText(t.inputPreview)}</Td>
                <Td className="font-mono text-xs">
                  {t.sessionId ? (
                    <Link href={sessionHref(project.slug, t.sessionId)} className="text-indigo-600 hover:text-indigo-500">
                      {t.sessionId}
                    </Link>
                  ) : (
                    <span className="text-slate-400">—</span>
                  )}
                </Td>
                <Td className="text-right tabular-nums">{formatLatency(t.latencyMs)}</Td>
                <Td className="text-right tabular-nums">{formatCost(t.cost)}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      </Card>
    </div>
  );
}
