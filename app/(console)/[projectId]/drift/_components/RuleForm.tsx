"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Alert, Button, Field, Input, Select, Textarea } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { errorAt } from "./shared";

type Kind = "dataset_drift" | "column" | "consecutive";

/** The tuning launch input a rule proposes (api.tuning.create's body): this one retrains a classifier head. */
export const RETRAIN_EXAMPLE = JSON.stringify(
  { method: "head", base: { model: "tiny-bert-embed" }, dataset: { name: "support-intents" }, outputModel: "support-intents-clf" },
  null,
  2,
);

/** A new alert rule of a monitor: its condition and, optionally, the retraining it proposes. */
export function RuleForm({ monitorId, columns, onDone }: { monitorId: string; columns: string[]; onDone: () => void }) {
  const trpc = useTRPC();
  const project = useProject();
  const queryClient = useQueryClient();
  const create = useMutation(trpc.drift.rules.create.mutationOptions());
  const [name, setName] = useState("");
  const [kind, setKind] = useState<Kind>("dataset_drift");
  const [column, setColumn] = useState(columns[0] ?? "");
  const [runs, setRuns] = useState("3");
  const [retrain, setRetrain] = useState("");
  const [local, setLocal] = useState<{ field: string; message: string } | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setLocal(null);
    create.reset();
    let parsed: Record<string, unknown> | null = null;
    if (retrain.trim()) {
      try {
        const v: unknown = JSON.parse(retrain);
        if (!v || typeof v !== "object" || Array.isArray(v)) throw new Error("must be a JSON object");
        parsed = v as Record<string, unknown>;
      } catch (err) {
        return setLocal({ field: "retrain", message: `Retraining is not a JSON object: ${errorMessage(err)}` });
      }
    }
    const n = Number(runs);
    if (kind === "consecutive" && !(Number.isInteger(n) && n >= 2))
      return setLocal({ field: "condition", message: "Runs in a row is a whole number, 2 or more." });
    const condition = kind === "dataset_drift" ? { kind } : kind === "column" ? { kind, column } : { kind, runs: n };
    try {
      await create.mutateAsync({ projectId: project.slug, monitor: monitorId, rule: { name: name.trim(), condition, retrain: parsed } });
    } catch {
      return; // shown by the fields
    }
    await queryClient.invalidateQueries({ queryKey: trpc.drift.rules.list.pathKey() });
    onDone();
  }

  const at = (...f: string[]) => (local ? (f.includes(local.field) ? local.message : undefined) : errorAt(create.error, ...f));
  const other = !local && create.error && !errorAt(create.error, "name", "condition", "retrain") ? errorMessage(create.error) : undefined;
  return (
    <form onSubmit={submit} noValidate aria-label="New alert rule" className="flex flex-col gap-4">
      <div className="grid gap-4 sm:grid-cols-3">
        <Field label="Rule name" error={at("name")}>
          <Input value={name} onChange={(e) => setName(e.target.value)} maxLength={200} placeholder="dataset drift" />
        </Field>
        <Field label="Fires when" error={at("condition")}>
          <Select value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
            <option value="dataset_drift">the run's verdict is drift</option>
            <option value="column">one column drifts</option>
            <option value="consecutive">N runs in a row drift</option>
          </Select>
        </Field>
        {kind === "column" && (
          <Field label="Column">
            <Select value={column} onChange={(e) => setColumn(e.target.value)}>
              {columns.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </Select>
          </Field>
        )}
        {kind === "consecutive" && (
          <Field label="Runs in a row" hint="2 to 100">
            <Input type="number" min={2} max={100} value={runs} onChange={(e) => setRuns(e.target.value)} />
          </Field>
        )}
      </div>
      <Field
        label="Retraining (optional)"
        error={at("retrain")}
        hint="A tuning launch input as JSON (method, base, dataset or fromLogs, outputModel…). When the rule fires, a job is proposed and waits for an approver."
      >
        <Textarea
          rows={6}
          value={retrain}
          onChange={(e) => setRetrain(e.target.value)}
          className="font-mono text-xs"
          placeholder={RETRAIN_EXAMPLE}
        />
      </Field>
      <div className="flex flex-wrap items-center gap-2">
        <Button type="submit" variant="primary" loading={create.isPending}>
          Create rule
        </Button>
        <Button onClick={() => setRetrain(RETRAIN_EXAMPLE)}>Use the example retraining</Button>
        <Button variant="ghost" onClick={onDone}>
          Cancel
        </Button>
      </div>
      {other && <Alert>{other}</Alert>}
    </form>
  );
}
