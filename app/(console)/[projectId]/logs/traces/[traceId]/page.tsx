"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useParams } from "next/navigation";
import { BackLink, Card, ErrorBox, Skeleton } from "@/app/_components/ui";
import { errorCode, errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { useTRPC } from "@/app/_lib/trpc";
import { decodeParam } from "@/app/_lib/url";
import { Conversation } from "../../_components/trace/Conversation";
import { RatingForm } from "../../_components/trace/RatingForm";
import { RatingsList } from "../../_components/trace/RatingsList";
import { summarizeScores } from "../../_components/trace/scores";
import { Timeline } from "../../_components/trace/Timeline";
import { TraceHeader } from "../../_components/trace/TraceHeader";

export default function TracePage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const project = useProject();
  const traceId = decodeParam(useParams<{ traceId: string }>().traceId);
  const input = { projectId: project.slug, traceId };
  const trace = useQuery(trpc.logs.traces.get.queryOptions(input));
  // archived configs too: their ratings still need their scale in the header; the form leaves them out
  const configs = useQuery(trpc.logs.scoreConfigs.list.queryOptions({ projectId: project.slug, includeArchived: true }));
  const versionId = trace.data?.trace.modelVersionId ?? null;
  const versionName = useQuery({
    ...trpc.logs.traceModelVersion.queryOptions({ projectId: project.slug, modelVersionId: versionId ?? "" }),
    enabled: versionId !== null,
  });
  const promptVersionId = trace.data?.trace.promptVersionId ?? null;
  const promptName = useQuery({
    ...trpc.logs.tracePromptVersion.queryOptions({ projectId: project.slug, promptVersionId: promptVersionId ?? "" }),
    enabled: promptVersionId !== null,
  });
  const canRate = atLeast(project.role, "annotator");
  const back = <BackLink href={`/${project.slug}/logs`}>All traces</BackLink>;

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
  const { trace: t, observations, ratings, apiKey } = trace.data;
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
    <div className="flex min-w-0 flex-col gap-6">
      {back}
      <TraceHeader
        trace={t}
        slug={project.slug}
        scores={summarizeScores(ratings, configs.data ?? [])}
        versionName={versionName.data}
        promptName={promptName.data}
        apiKey={apiKey}
        linkKey={atLeast(project.role, "engineer")}
      />
      {/* the rating form stays in view beside the conversation at wide widths; below it on a phone */}
      <div className="grid min-w-0 gap-6 lg:grid-cols-[minmax(0,1fr)_22rem]">
        <div className="flex min-w-0 flex-col gap-6">
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
        </div>
        <Card title="Rate this trace" className="self-start lg:sticky lg:top-4 lg:max-h-[calc(100vh-2rem)] lg:overflow-y-auto">
          {!canRate ? (
            <p className="text-sm text-slate-500">Rating needs the annotator role or higher. Ask an admin of this project.</p>
          ) : configs.isPending ? (
            <Skeleton rows={2} />
          ) : configs.isError ? (
            <ErrorBox title="Could not load score configs" message={errorMessage(configs.error)} onRetry={() => void configs.refetch()} />
          ) : (
            <RatingForm projectId={project.slug} traceId={t.id} configs={configs.data.filter((c) => !c.archived)} onSaved={refresh} />
          )}
        </Card>
      </div>
    </div>
  );
}
