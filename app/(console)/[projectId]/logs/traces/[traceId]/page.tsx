"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useParams } from "next/navigation";
import { Card, ErrorBox, Skeleton } from "../../../../../_components/ui";
import { errorCode, errorMessage } from "../../../../../_lib/errors";
import { useProject } from "../../../../../_lib/project";
import { atLeast } from "../../../../../_lib/roles";
import { useTRPC } from "../../../../../_lib/trpc";
import { Conversation } from "../../_components/trace/Conversation";
import { RatingForm } from "../../_components/trace/RatingForm";
import { RatingsList } from "../../_components/trace/RatingsList";
import { Timeline } from "../../_components/trace/Timeline";
import { TraceHeader } from "../../_components/trace/TraceHeader";

/** Route params arrive percent-encoded; ids may hold any printable character. */
function decodeId(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export default function TracePage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const project = useProject();
  const traceId = decodeId(useParams<{ traceId: string }>().traceId);
  const input = { projectId: project.slug, traceId };
  const trace = useQuery(trpc.logs.traces.get.queryOptions(input));
  const configs = useQuery(trpc.logs.scoreConfigs.list.queryOptions({ projectId: project.slug }));
  const canRate = atLeast(project.role, "annotator");
  const back = (
    <Link href={`/${project.slug}/logs`} className="text-sm font-medium text-indigo-600 hover:text-indigo-500">
      ← All traces
    </Link>
  );

  if (trace.isPending) return <Skeleton rows={8} />;
  if (trace.isError) {
    const missing = errorCode(trace.error) === "NOT_FOUND";
    return (
      <div className="flex flex-col gap-4">
        {back}
        <ErrorBox
          title={missing ? "Trace not found" : "Could not load the trace"}
          message={
            missing ? `There is no trace ${traceId} in this project (it may have passed the retention period).` : errorMessage(trace.error)
          }
          onRetry={missing ? undefined : () => void trace.refetch()}
        />
      </div>
    );
  }
  const { trace: t, observations, ratings } = trace.data;
  // A trace without its own input/output shows its first generation's.
  const firstGen = observations.find((o) => o.type === "generation");
  const convInput = t.input ?? firstGen?.input ?? null;
  const convOutput = t.output ?? firstGen?.output ?? null;
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.logs.traces.get.queryKey(input) }),
      queryClient.invalidateQueries({ queryKey: trpc.logs.traces.list.pathKey() }),
    ]);

  return (
    <div className="flex flex-col gap-6">
      {back}
      <TraceHeader trace={t} slug={project.slug} />
      <Card title="Conversation">
        <Conversation input={convInput} output={convOutput} />
      </Card>
      <Card
        title="Timeline"
        description={`${observations.length} observation${observations.length === 1 ? "" : "s"}; click one for details.`}
      >
        <Timeline observations={observations} />
      </Card>
      <Card title="Ratings" description={ratings.length ? `${ratings.length} so far, newest first.` : undefined}>
        <RatingsList ratings={ratings} />
      </Card>
      <Card title="Rate this trace">
        {!canRate ? (
          <p className="text-sm text-slate-500">Rating needs the annotator role or higher. Ask an admin of this project.</p>
        ) : configs.isPending ? (
          <Skeleton rows={2} />
        ) : configs.isError ? (
          <ErrorBox title="Could not load score configs" message={errorMessage(configs.error)} onRetry={() => void configs.refetch()} />
        ) : (
          <RatingForm projectId={project.slug} traceId={t.id} configs={configs.data} onSaved={refresh} />
        )}
      </Card>
    </div>
  );
}
