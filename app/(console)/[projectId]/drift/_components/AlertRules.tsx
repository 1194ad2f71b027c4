"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Alert, Badge, Button, ErrorBox, Skeleton, Table, Td, Th } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { formatDateTime } from "@/app/_lib/format";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { useTRPC } from "@/app/_lib/trpc";
import { RuleForm } from "./RuleForm";
import type { RuleItem } from "./types";

const HOUR = 3600_000;

/** A monitor's alert rules: list, create, silence for 1 h / 24 h, unsilence, delete (engineers up). */
export function AlertRules({ monitorId, columns }: { monitorId: string; columns: string[] }) {
  const trpc = useTRPC();
  const project = useProject();
  const queryClient = useQueryClient();
  const canWrite = atLeast(project.role, "engineer");
  const [adding, setAdding] = useState(false);
  const rules = useQuery(trpc.drift.rules.list.queryOptions({ projectId: project.slug, monitor: monitorId }));
  const update = useMutation(trpc.drift.rules.update.mutationOptions());
  const remove = useMutation(trpc.drift.rules.delete.mutationOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.drift.rules.list.pathKey() });

  async function silence(rule: RuleItem, until: Date | null) {
    try {
      await update.mutateAsync({ projectId: project.slug, ruleId: rule.id, patch: {}, silencedUntil: until });
    } catch {
      return; // shown above the table
    }
    await refresh();
  }
  async function destroy(rule: RuleItem) {
    if (!window.confirm(`Delete alert rule ${rule.name}? Its alerts are deleted with it.`)) return;
    try {
      await remove.mutateAsync({ projectId: project.slug, ruleId: rule.id });
    } catch {
      return;
    }
    await refresh();
    await queryClient.invalidateQueries({ queryKey: trpc.drift.alerts.pathKey() });
  }

  if (rules.isPending) return <Skeleton rows={2} />;
  if (rules.isError)
    return <ErrorBox title="Could not load alert rules" message={errorMessage(rules.error)} onRetry={() => void rules.refetch()} />;
  const now = Date.now();
  return (
    <div className="flex flex-col gap-4">
      {(update.error || remove.error) && <Alert>{errorMessage(update.error ?? remove.error)}</Alert>}
      {rules.data.length === 0 ? (
        <p className="text-sm text-slate-500">No alert rules: runs are recorded, but nobody is told.</p>
      ) : (
        <Table label="Alert rules">
          <thead>
            <tr>
              <Th>Rule</Th>
              <Th>Fires when</Th>
              <Th>Retraining</Th>
              <Th>State</Th>
              {canWrite && <Th className="text-right">Actions</Th>}
            </tr>
          </thead>
          <tbody>
            {rules.data.map((r) => {
              const silenced = r.silencedUntil && new Date(r.silencedUntil).getTime() > now;
              const busy =
                (update.isPending && update.variables?.ruleId === r.id) || (remove.isPending && remove.variables?.ruleId === r.id);
              return (
                <tr key={r.id}>
                  <Td className="font-medium text-slate-900">{r.name}</Td>
                  <Td className="text-sm">{conditionText(r.condition)}</Td>
                  <Td className="text-xs">
                    <RetrainSummary retrain={r.retrain} />
                  </Td>
                  <Td>
                    {!r.active ? (
                      <Badge tone="gray">inactive</Badge>
                    ) : silenced ? (
                      <span className="flex flex-col items-start gap-0.5">
                        <Badge tone="amber">silenced</Badge>
                        <span className="text-xs text-slate-500">until {formatDateTime(new Date(r.silencedUntil as Date))}</span>
                      </span>
                    ) : (
                      <Badge tone="green">active</Badge>
                    )}
                  </Td>
                  {canWrite && (
                    <Td className="text-right">
                      <span className="inline-flex flex-wrap justify-end gap-1">
                        {silenced ? (
                          <Button size="sm" disabled={busy} onClick={() => void silence(r, null)}>
                            Unsilence
                          </Button>
                        ) : (
                          <>
                            <Button size="sm" disabled={busy} onClick={() => void silence(r, new Date(Date.now() + HOUR))}>
                              Silence 1h
                            </Button>
                            <Button size="sm" disabled={busy} onClick={() => void silence(r, new Date(Date.now() + 24 * HOUR))}>
                              Silence 24h
                            </Button>
                          </>
                        )}
                        <Button size="sm" variant="danger" disabled={busy} onClick={() => void destroy(r)}>
                          Delete
                        </Button>
                      </span>
                    </Td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </Table>
      )}
      {canWrite &&
        (adding ? (
          <div className="rounded-md border border-slate-200 p-4">
            <h3 className="mb-3 text-sm font-medium text-slate-900">New alert rule</h3>
            <RuleForm monitorId={monitorId} columns={columns} onDone={() => setAdding(false)} />
          </div>
        ) : (
          <div>
            <Button onClick={() => setAdding(true)}>Add alert rule</Button>
          </div>
        ))}
    </div>
  );
}

function conditionText(c: Record<string, unknown>): string {
  if (c.kind === "dataset_drift") return "the run's verdict is drift";
  if (c.kind === "column") return `column ${String(c.column)} drifts`;
  if (c.kind === "consecutive") return `${String(c.runs)} runs in a row drift`;
  return JSON.stringify(c);
}

function RetrainSummary({ retrain }: { retrain: Record<string, unknown> | null }) {
  if (!retrain) return <span className="text-slate-400">—</span>;
  const base = retrain.base as { model?: string } | undefined;
  const data = retrain.dataset as { name?: string } | undefined;
  const text = [
    String(retrain.method ?? "?"),
    base?.model ? `on ${base.model}` : null,
    data?.name ? `with ${data.name}` : retrain.fromLogs ? "from logs" : null,
    retrain.outputModel ? `→ ${String(retrain.outputModel)}` : null,
  ]
    .filter(Boolean)
    .join(" ");
  return (
    <details>
      <summary className="cursor-pointer text-slate-700">proposes {text}</summary>
      <pre className="mt-1 max-w-96 overflow-x-auto rounded bg-slate-50 p-2 font-mono text-[11px] text-slate-700">
        {JSON.stringify(retrain, null, 2)}
      </pre>
    </details>
  );
}
