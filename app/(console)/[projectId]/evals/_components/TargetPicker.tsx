"use client";

import { useQuery } from "@tanstack/react-query";
import { Field, Input, Select, Textarea } from "@/app/_components/ui";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";

/** What a new run scores: the stored predictions, or a deployment's answers from a prompt template. */
export interface TargetChoice {
  kind: "predictions" | "deployment";
  name: string;
  templateKind: "chat" | "completion";
  text: string;
  maxTokens: string;
}

export const DEFAULT_TARGET: TargetChoice = { kind: "predictions", name: "", templateKind: "chat", text: "{{input}}", maxTokens: "" };

/** The run's `target` input, or why it cannot be made yet. */
export function targetOf(t: TargetChoice) {
  if (t.kind === "predictions") return { kind: "predictions" as const };
  if (!t.name) return "Pick a deployment.";
  if (!t.text.trim()) return "Enter a prompt template.";
  const maxTokens = t.maxTokens ? Number(t.maxTokens) : undefined;
  if (maxTokens !== undefined && !(Number.isInteger(maxTokens) && maxTokens >= 1))
    return "Max tokens must be a whole number of at least 1.";
  return {
    kind: "deployment" as const,
    name: t.name,
    template: { kind: t.templateKind, text: t.text },
    ...(maxTokens ? { params: { maxTokens } } : {}),
  };
}

export function TargetPicker({ value, onChange }: { value: TargetChoice; onChange: (t: TargetChoice) => void }) {
  const trpc = useTRPC();
  const project = useProject();
  const deployments = useQuery({
    ...trpc.serving.deployments.list.queryOptions({ projectId: project.slug }),
    enabled: value.kind === "deployment",
  });
  // only deployments that generate text can answer a dataset's rows
  const names = (deployments.data ?? []).filter((d) => d.task === "chat" || d.task === "completion").map((d) => d.name);
  const set = (patch: Partial<TargetChoice>) => onChange({ ...value, ...patch });
  return (
    <div className="flex flex-col gap-4">
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Target">
          <Select value={value.kind} onChange={(e) => set({ kind: e.target.value as TargetChoice["kind"] })}>
            <option value="predictions">The dataset's stored predictions</option>
            <option value="deployment">A deployment's answers</option>
          </Select>
        </Field>
        {value.kind === "deployment" && (
          <Field label="Deployment" hint={deployments.isPending ? "Loading deployments…" : undefined}>
            <Select value={value.name} onChange={(e) => set({ name: e.target.value })}>
              <option value="">Pick a deployment…</option>
              {names.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </Select>
          </Field>
        )}
      </div>
      {value.kind === "deployment" && (
        <>
          <div className="grid gap-4 sm:grid-cols-2">
            <Field label="Template kind">
              <Select value={value.templateKind} onChange={(e) => set({ templateKind: e.target.value as TargetChoice["templateKind"] })}>
                <option value="chat">Chat (one user message)</option>
                <option value="completion">Completion (a prompt)</option>
              </Select>
            </Field>
            <Field label="Max tokens" hint="Optional">
              <Input inputMode="numeric" value={value.maxTokens} onChange={(e) => set({ maxTokens: e.target.value })} />
            </Field>
          </div>
          <Field label="Prompt template" hint="Placeholders: {{input}}, {{input.KEY}}, {{metadata.KEY}}, {{references.0}}">
            <Textarea rows={4} value={value.text} onChange={(e) => set({ text: e.target.value })} />
          </Field>
        </>
      )}
    </div>
  );
}
