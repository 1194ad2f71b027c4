"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { linkClass } from "@/app/_components/classes";
import { Alert, Button, Card, Field, Input } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { formatDateTime } from "@/app/_lib/format";
import { useProject } from "@/app/_lib/project";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { monitorHref } from "./shared";

type Job = RouterOutputs["tuning"]["get"];

/**
 * A tuning job proposed by a drift alert (shown on the job's page): where it came from, and while
 * it awaits approval, "Approve and start" / "Reject". Every member sees the buttons; the server
 * decides who may (the output model's approval policy, else admins) and its refusal is shown.
 */
export function RetrainProposal({ job }: { job: Job }) {
  const trpc = useTRPC();
  const project = useProject();
  const queryClient = useQueryClient();
  const decide = useMutation(trpc.tuning.decide.mutationOptions());
  const [reason, setReason] = useState("");
  const t = job.trigger;
  const d = job.decision;
  if (!t && !d) return null;
  const awaiting = job.status === "awaiting_approval";

  async function send(decision: "approve" | "reject") {
    try {
      await decide.mutateAsync({ projectId: project.slug, job: job.id, decision, reason: reason.trim() || null });
    } catch {
      return; // shown below the buttons
    }
    await queryClient.invalidateQueries({ queryKey: trpc.tuning.pathKey() });
    await queryClient.invalidateQueries({ queryKey: trpc.drift.alerts.pathKey() });
  }

  return (
    <Card title={awaiting ? "Awaiting approval" : "Proposal"} className={awaiting ? "border-amber-300" : undefined}>
      <div className="flex flex-col gap-3 text-sm">
        {t?.kind === "drift" && (
          <p>
            Proposed by drift alert: monitor{" "}
            <Link href={monitorHref(project.slug, t.monitorId, t.runId)} className={linkClass}>
              {t.monitor ?? t.monitorId.slice(0, 8)} run #{t.runNumber ?? "?"}
            </Link>
            .{awaiting && " Nothing trains until an approver starts it."}
          </p>
        )}
        {d && (
          <p data-testid="job-decision">
            <span className={d.decision === "approved" ? "font-medium text-emerald-700" : "font-medium text-red-700"}>
              {d.decision === "approved" ? "Approved" : "Rejected"}
            </span>{" "}
            {formatDateTime(new Date(d.at))}
            {d.reason ? ` — “${d.reason}”` : ""}
          </p>
        )}
        {awaiting && (
          <div className="flex flex-wrap items-end gap-2">
            <Field label="Reason (optional)" className="min-w-64 flex-1">
              <Input
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                maxLength={2000}
                placeholder="e.g. drift confirmed on language"
              />
            </Field>
            <Button
              variant="primary"
              loading={decide.isPending && decide.variables?.decision === "approve"}
              disabled={decide.isPending}
              onClick={() => void send("approve")}
            >
              Approve and start
            </Button>
            <Button
              variant="danger"
              loading={decide.isPending && decide.variables?.decision === "reject"}
              disabled={decide.isPending}
              onClick={() => void send("reject")}
            >
              Reject
            </Button>
          </div>
        )}
        {decide.isError && <Alert>{errorMessage(decide.error)}</Alert>}
      </div>
    </Card>
  );
}
