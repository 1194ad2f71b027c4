"use client";

import { useInfiniteQuery, useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useId, useState } from "react";
import { Alert, Button, ErrorBox, Field, LoadMore, Skeleton, Textarea, When } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { useRegistryRefresh } from "./AliasPanel";
import { GateResults } from "./GateResults";
import { modelHref, RequestStatus, versionHref } from "./shared";

type Request = RouterOutputs["registry"]["approvals"]["list"]["items"][number];
export type RequestStatusName = Request["status"];

/** Approval requests (of one model, or all), newest first, each with its gates, votes and vote buttons. */
export function ApprovalRequests({ model, status }: { model?: string; status?: RequestStatusName[] }) {
  const trpc = useTRPC();
  const project = useProject();
  const me = useQuery(trpc.workspace.auth.me.queryOptions());
  const requests = useInfiniteQuery(
    trpc.registry.approvals.list.infiniteQueryOptions(
      { projectId: project.slug, model, status, limit: 20 },
      { getNextPageParam: (page) => page.nextCursor },
    ),
  );
  if (requests.isPending) return <Skeleton rows={2} />;
  if (requests.isError)
    return (
      <ErrorBox title="Could not load approval requests" message={errorMessage(requests.error)} onRetry={() => void requests.refetch()} />
    );
  const items = requests.data.pages.flatMap((p) => p.items);
  if (items.length === 0)
    return <p className="text-sm text-slate-500">No approval requests{status?.length ? ` (${status.join(", ")})` : ""}.</p>;
  return (
    <div className="flex flex-col gap-4">
      <ul className="flex flex-col gap-4">
        {items.map((r) => (
          <li key={r.id}>
            <RequestItem request={r} myUserId={me.data?.user?.id ?? null} showModel={!model} />
          </li>
        ))}
      </ul>
      <LoadMore query={requests} size="sm">
        Load more requests
      </LoadMore>
    </div>
  );
}

function RequestItem({ request: r, myUserId, showModel }: { request: Request; myUserId: string | null; showModel: boolean }) {
  const project = useProject();
  const titleId = useId();
  const approvals = r.votes.filter((v) => v.decision === "approve").length;
  const mine = !!myUserId && r.requestedBy === myUserId;
  const voted = r.votes.some((v) => v.userId === myUserId);
  const canVote =
    !!myUserId && r.status === "pending" && !mine && !voted && !!project.role && (r.approverRoles as string[]).includes(project.role);
  const canCancel = r.status === "pending" && (mine || project.role === "admin" || project.role === "owner");
  return (
    <article aria-labelledby={titleId} className="flex flex-col gap-3 rounded-md border border-slate-200 p-4">
      <header className="flex flex-wrap items-start justify-between gap-2">
        <div>
          <h3 id={titleId} className="flex flex-wrap items-center gap-2 text-sm font-semibold text-slate-900">
            <span>
              {showModel && (
                <>
                  <Link href={modelHref(project.slug, r.model)} className="text-indigo-600 hover:text-indigo-500">
                    {r.model}
                  </Link>
                  :{" "}
                </>
              )}
              Move @{r.alias} to{" "}
              <Link href={versionHref(project.slug, r.model, r.version)} className="text-indigo-600 hover:text-indigo-500">
                v{r.version}
              </Link>
            </span>
            <RequestStatus status={r.status} />
          </h3>
          <p className="mt-0.5 text-xs text-slate-500">
            Requested by {r.requestedByEmail ?? "an API key"} <When at={r.createdAt} /> · {approvals} of {r.requiredApprovals} approval
            {r.requiredApprovals === 1 ? "" : "s"} · approvers: {r.approverRoles.join(", ")}
          </p>
          {r.reason && <p className="mt-1 text-sm text-slate-700">Reason: {r.reason}</p>}
        </div>
      </header>
      {r.gateResults.length > 0 && (
        <div className="flex flex-col gap-1">
          <h4 className="text-xs font-medium tracking-wide text-slate-500 uppercase">Gate results</h4>
          <GateResults checks={r.gateResults} label="Gate results" />
        </div>
      )}
      {r.votes.length > 0 && (
        <div className="flex flex-col gap-1">
          <h4 className="text-xs font-medium tracking-wide text-slate-500 uppercase">Votes</h4>
          <ul aria-label="Votes" className="flex flex-col gap-1 text-sm">
            {r.votes.map((v) => (
              <li key={v.userId}>
                <span className={v.decision === "approve" ? "font-medium text-emerald-700" : "font-medium text-red-700"}>
                  {v.decision === "approve" ? "Approved" : "Rejected"}
                </span>{" "}
                by {v.email ?? "a member"} <When at={v.createdAt} />
                {v.comment && <span className="text-slate-600">: “{v.comment}”</span>}
              </li>
            ))}
          </ul>
        </div>
      )}
      {r.status === "pending" && (
        <VoteControls
          request={r}
          canVote={canVote}
          canCancel={canCancel}
          note={
            mine
              ? "You requested this move; another member must approve it."
              : voted
                ? "You have voted on this request."
                : !canVote
                  ? `Only ${r.approverRoles.join(", ")} can vote on this request.`
                  : null
          }
        />
      )}
    </article>
  );
}

function VoteControls({
  request,
  canVote,
  canCancel,
  note,
}: {
  request: Request;
  canVote: boolean;
  canCancel: boolean;
  note: string | null;
}) {
  const trpc = useTRPC();
  const project = useProject();
  const refresh = useRegistryRefresh();
  const vote = useMutation(trpc.registry.approvals.vote.mutationOptions());
  const cancel = useMutation(trpc.registry.approvals.cancel.mutationOptions());
  const [comment, setComment] = useState("");

  async function decide(decision: "approve" | "reject") {
    vote.reset();
    cancel.reset();
    try {
      await vote.mutateAsync({ projectId: project.id, requestId: request.id, decision, comment: comment.trim() || undefined });
      setComment("");
      await refresh();
    } catch {
      // shown from vote.error
    }
  }

  async function withdraw() {
    vote.reset();
    cancel.reset();
    try {
      await cancel.mutateAsync({ projectId: project.id, requestId: request.id });
      await refresh();
    } catch {
      // shown from cancel.error
    }
  }

  const error = vote.error ?? cancel.error;
  return (
    <div className="flex flex-col gap-3 border-t border-slate-100 pt-3">
      {note && <p className="text-sm text-slate-500">{note}</p>}
      {canVote && (
        <Field label="Comment" hint="Optional; shown with your vote.">
          <Textarea value={comment} onChange={(e) => setComment(e.target.value)} rows={2} maxLength={5000} />
        </Field>
      )}
      {error && <Alert>{errorMessage(error)}</Alert>}
      <div className="flex flex-wrap gap-2">
        {canVote && (
          <>
            <Button
              variant="primary"
              loading={vote.isPending && vote.variables?.decision === "approve"}
              onClick={() => void decide("approve")}
            >
              Approve
            </Button>
            <Button
              variant="danger"
              loading={vote.isPending && vote.variables?.decision === "reject"}
              onClick={() => void decide("reject")}
            >
              Reject
            </Button>
          </>
        )}
        {canCancel && (
          <Button variant="ghost" loading={cancel.isPending} onClick={() => void withdraw()}>
            Cancel request
          </Button>
        )}
      </div>
    </div>
  );
}
