"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useParams } from "next/navigation";
import { type ReactNode, useState } from "react";
import { BackLink, Button, Card, ErrorBox, PageHeader, Skeleton } from "@/app/_components/ui";
import { errorCode, errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { useTRPC } from "@/app/_lib/trpc";
import { ProgressBar, QueueStats } from "../_components/QueueStats";
import { type QueueItem, ReviewItem } from "../_components/ReviewItem";
import type { Rating } from "../_components/review";

/** undefined: not started; null: nothing left for this reviewer. */
type Current = QueueItem | null | undefined;

export default function QueuePage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const project = useProject();
  const projectId = project.slug;
  const { queueId } = useParams<{ queueId: string }>();
  const stats = useQuery(trpc.logs.queues.stats.queryOptions({ projectId, queueId }));
  const configs = useQuery(trpc.logs.scoreConfigs.list.queryOptions({ projectId, includeArchived: true }));
  const [current, setCurrent] = useState<Current>(undefined);
  const canReview = atLeast(project.role, "annotator");

  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.logs.queues.stats.queryKey({ projectId, queueId }) }),
      queryClient.invalidateQueries({ queryKey: trpc.logs.queues.list.queryKey() }),
    ]);
  const next = useMutation(
    trpc.logs.queues.next.mutationOptions({
      onSuccess: (item) => {
        setCurrent(item);
        if (!item) void refresh();
      },
    }),
  );
  const takeNext = () => {
    complete.reset();
    skip.reset();
    next.mutate({ projectId, queueId });
  };
  const complete = useMutation(
    trpc.logs.queues.complete.mutationOptions({
      onSuccess: () => {
        void refresh();
        takeNext();
      },
    }),
  );
  const skip = useMutation(trpc.logs.queues.skip.mutationOptions({ onSuccess: takeNext }));

  const back = <BackLink href={`/${projectId}/logs/queues`}>All queues</BackLink>;
  if (stats.isPending || configs.isPending) return <Skeleton rows={6} />;
  if (stats.isError || configs.isError) {
    const err = stats.error ?? configs.error;
    const missing = errorCode(err) === "NOT_FOUND";
    return (
      <div className="flex flex-col gap-4">
        {back}
        <ErrorBox
          title={missing ? "Queue not found" : "Could not load the queue"}
          message={missing ? "There is no such annotation queue in this project." : errorMessage(err)}
          onRetry={missing ? undefined : () => void Promise.all([stats.refetch(), configs.refetch()])}
        />
      </div>
    );
  }

  const { queue } = stats.data;
  const queueConfigs = queue.scoreConfigIds.flatMap((id) => configs.data.filter((c) => c.id === id));
  const archived = queueConfigs.filter((c) => c.archived);
  const active = queueConfigs.filter((c) => !c.archived);
  const actionError = complete.error ?? skip.error;

  let work: ReactNode;
  if (!canReview) {
    work = <p className="text-sm text-slate-500">Reviewing needs the annotator role or higher. Ask an admin of this project.</p>;
  } else if (active.length === 0) {
    work = <p className="text-sm text-slate-500">This queue has no active score configs to rate. Restore them in Logs settings.</p>;
  } else if (current === null) {
    work = (
      <div role="status" className="flex flex-col items-center gap-3 py-8 text-center">
        <p className="text-base font-semibold text-slate-900">Queue complete — nothing left for you</p>
        <p className="max-w-md text-sm text-slate-500">
          Every item is done, rated by you, or locked by another reviewer. Items others leave come back when their lock runs out.
        </p>
        <Button onClick={takeNext} loading={next.isPending}>
          Check again
        </Button>
      </div>
    );
  } else if (current === undefined) {
    work = (
      <div className="flex flex-col items-center gap-3 py-8 text-center">
        <p className="max-w-md text-sm text-slate-500">
          Each item is locked to you while you rate it. Pick values with the buttons or the keys shown, then submit to get the next one.
        </p>
        <Button variant="primary" onClick={takeNext} loading={next.isPending}>
          Start reviewing
        </Button>
      </div>
    );
  }

  return (
    <div className="flex flex-col gap-6">
      {back}
      <PageHeader
        title={queue.name}
        description={queue.description || undefined}
        actions={
          <div className="flex w-56 flex-col gap-1.5">
            <ProgressBar done={stats.data.done} total={stats.data.total} label="Items done" />
            <p className="text-right text-xs text-slate-500 tabular-nums">
              {stats.data.done} / {stats.data.total} done · {stats.data.mine} by you
            </p>
          </div>
        }
      />
      {archived.length > 0 && (
        <p className="rounded-md border border-amber-200 bg-amber-50 px-4 py-2 text-sm text-amber-800">
          {archived.map((c) => c.name).join(", ")} {archived.length === 1 ? "is" : "are"} archived and left out of the form. Restore{" "}
          {archived.length === 1 ? "it" : "them"} in Logs settings to rate {archived.length === 1 ? "it" : "them"} here.
        </p>
      )}
      {next.error && <ErrorBox title="Could not take the next item" message={errorMessage(next.error)} onRetry={takeNext} />}
      {work ? (
        <Card title="Review">{work}</Card>
      ) : current ? (
        <ReviewItem
          key={current.itemId}
          projectId={projectId}
          item={current}
          configs={active}
          busy={complete.isPending ? "submit" : skip.isPending ? "skip" : next.isPending ? "next" : null}
          onSubmit={(ratings: Rating[]) => complete.mutate({ projectId, itemId: current.itemId, ratings })}
          onSkip={() => skip.mutate({ projectId, itemId: current.itemId })}
          alert={
            actionError && (
              <div role="alert" className="flex flex-col gap-2 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm">
                <p className="text-red-700">
                  {errorCode(actionError) === "CONFLICT" ? "Your lock on this item ran out. " : ""}
                  {errorMessage(actionError)}
                </p>
                <div>
                  <Button size="sm" variant="danger" onClick={takeNext} loading={next.isPending}>
                    Take next item
                  </Button>
                </div>
              </div>
            )
          }
        />
      ) : null}
      <QueueStats stats={stats.data} />
    </div>
  );
}
