"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useParams } from "next/navigation";
import { BackLink, Badge, Card, ErrorBox, LoadMore, PageHeader, Skeleton, When } from "@/app/_components/ui";
import { errorCode, errorMessage } from "@/app/_lib/errors";
import { formatCost } from "@/app/_lib/format";
import { useProject } from "@/app/_lib/project";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { decodeParam } from "@/app/_lib/url";
import { formatInt, formatLatency } from "../../_components/format";
import { userHref } from "../../_components/groups";
import { ratingValue, ScoreSummaries } from "../../_components/ScoreSummaries";
import { traceHref } from "../../_components/TracesTable";
import { Conversation } from "../../_components/trace/Conversation";

type Turn = RouterOutputs["logs"]["sessions"]["get"]["traces"]["items"][number];

/** One session: its traces in the order they happened, each as what was asked and answered, with its ratings. */
export default function SessionPage() {
  const trpc = useTRPC();
  const project = useProject();
  const sessionId = decodeParam(useParams<{ sessionId: string }>().sessionId);
  const session = useInfiniteQuery(
    trpc.logs.sessions.get.infiniteQueryOptions(
      { projectId: project.slug, sessionId, limit: 50 },
      { getNextPageParam: (p) => p.traces.nextCursor },
    ),
  );
  const back = <BackLink href={`/${project.slug}/logs/sessions`}>All sessions</BackLink>;

  if (session.isPending) return <Skeleton rows={8} />;
  if (session.isError) {
    const missing = errorCode(session.error) === "NOT_FOUND";
    return (
      <div className="flex flex-col gap-4">
        {back}
        <ErrorBox
          title={missing ? "Session not found" : "Could not load the session"}
          message={missing ? `No trace of this project has the session id ${sessionId}.` : errorMessage(session.error)}
          onRetry={missing ? undefined : () => void session.refetch()}
        />
      </div>
    );
  }
  const s = session.data.pages[0]!.session;
  const turns = session.data.pages.flatMap((p) => p.traces.items);
  return (
    <div className="flex flex-col gap-6">
      {back}
      <PageHeader
        title={<span className="font-mono break-all">{s.key}</span>}
        description={
          <>
            {formatInt(s.traces)} trace{s.traces === 1 ? "" : "s"} · <When at={s.firstAt} /> to <When at={s.lastAt} /> ·{" "}
            {formatCost(s.cost)}
            {s.errors > 0 && <> · {s.errors} failed</>}
          </>
        }
      />
      <Card title="Ratings" description="Per score name, each by its kind.">
        <ScoreSummaries scores={s.ratings} empty="No ratings in this session." />
      </Card>
      <ol className="flex flex-col gap-4" aria-label="Session traces">
        {turns.map((t, i) => (
          <TurnCard key={t.id} turn={t} n={i + 1} slug={project.slug} />
        ))}
      </ol>
      <LoadMore query={session} className="flex justify-center">
        Load later traces
      </LoadMore>
    </div>
  );
}

function TurnCard({ turn, n, slug }: { turn: Turn; n: number; slug: string }) {
  return (
    <li className="rounded-lg border border-slate-200 bg-white shadow-sm">
      <header className="flex flex-wrap items-center gap-x-3 gap-y-1 border-b border-slate-200 px-5 py-2 text-xs text-slate-500">
        <span className="font-semibold text-slate-700">#{n}</span>
        <When at={turn.timestamp} />
        <Link href={traceHref(slug, turn.id)} className="font-mono text-indigo-600 hover:text-indigo-500">
          {turn.name ?? "trace"} {turn.id.slice(0, 12)}
        </Link>
        {turn.model && <span>{turn.model}</span>}
        <span>{formatLatency(turn.latencyMs)}</span>
        <span>{formatCost(turn.cost)}</span>
        {turn.userId && (
          <Link href={userHref(slug, turn.userId)} className="text-indigo-600 hover:text-indigo-500">
            user {turn.userId}
          </Link>
        )}
        {turn.status === "error" && <Badge tone="red">error</Badge>}
      </header>
      <div className="flex flex-col gap-3 px-5 py-4">
        <Conversation input={turn.input} output={turn.output} />
        {turn.ratings.length > 0 && (
          <ul className="flex flex-wrap gap-2 text-xs" aria-label="Ratings">
            {turn.ratings.map((r) => (
              <li key={r.id} className="rounded-full bg-slate-100 px-2 py-0.5 text-slate-700" title={r.comment ?? undefined}>
                <span className="font-medium">{r.name}</span> {ratingValue(r)}
              </li>
            ))}
          </ul>
        )}
      </div>
    </li>
  );
}
