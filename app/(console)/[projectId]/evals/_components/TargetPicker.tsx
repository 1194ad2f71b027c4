"use client";

import { useQuery } from "@tanstack/react-query";
import { Field, Input, Select, Textarea } from "@/app/_components/ui";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";

/**
 * What a new run scores: the stored predictions, or the answers of a live target (a deployment, a
 * registry model version by alias or number, or a router) to a prompt template filled from each row.
 */
export interface TargetChoice {
  kind: "predictions" | "deployment" | "model" | "router";
  /** the deployment, model or router */
  name: string;
  /** a model's alias or version number */
  ref: string;
  templateKind: "chat" | "completion";
  text: string;
  maxTokens: string;
  temperature: string;
  seed: string;
  /** where the template comes from: typed here, or a registry prompt's version (its text or messages, and config) */
  templateSource: "template" | "prompt";
  promptName: string;
  /** the prompt's label (production, latest, …) or version number */
  promptRef: string;
}

export const DEFAULT_TARGET: TargetChoice = {
  kind: "predictions",
  name: "",
  ref: "production",
  templateKind: "chat",
  text: "{{input}}",
  maxTokens: "",
  temperature: "",
  seed: "",
  templateSource: "template",
  promptName: "",
  promptRef: "production",
};

const WHAT: Record<Exclude<TargetChoice["kind"], "predictions">, string> = {
  deployment: "Pick a deployment.",
  model: "Pick a registry model.",
  router: "Pick a router.",
};

/** A number box: empty is "not given", anything else the number typed (NaN for text: the schema says what is wrong). */
const num = (v: string) => (v.trim() ? Number(v) : undefined);

/**
 * The run's `target` input as the choice says it, unchecked: the server's targetInput
 * (server/evals/inputs.ts) checks it, its issues at `target.name`, `target.params.maxTokens`…
 */
export function targetOf(t: TargetChoice): unknown {
  if (t.kind === "predictions") return { kind: "predictions" };
  const params = { maxTokens: num(t.maxTokens), temperature: num(t.temperature), seed: num(t.seed) };
  // a router routes chat calls only
  const template = { kind: t.kind === "router" ? "chat" : t.templateKind, text: t.text };
  const ref = t.promptRef.trim();
  const prompt = { name: t.promptName, ...(/^\d+$/.test(ref) ? { version: Number(ref) } : ref ? { label: ref } : {}) };
  const common = {
    name: t.name,
    ...(t.templateSource === "prompt" ? { prompt } : { template }),
    params: Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)),
  };
  return t.kind === "model" ? { kind: "model", ref: t.ref.trim(), ...common } : { kind: t.kind, ...common };
}

/** How the CLI names a target: deployment:NAME, model:NAME@ALIAS, model:NAME:VERSION, router:NAME. */
export function targetSpec(t: TargetChoice): string {
  if (t.kind === "predictions") return "predictions";
  const base =
    t.kind === "model" ? (/^\d+$/.test(t.ref) ? `model:${t.name}:${t.ref}` : `model:${t.name}@${t.ref}`) : `${t.kind}:${t.name || "…"}`;
  if (t.templateSource !== "prompt") return base;
  return `${base}, prompt ${t.promptName || "…"}${/^\d+$/.test(t.promptRef) ? `:${t.promptRef}` : `@${t.promptRef}`}`;
}

const GENERATES = new Set(["text-generation", "text2text-generation", "chat", "completion"]);

/** `errorAt(path)`: the form's error on `target.<path>` (the server's schema, in the browser or from its answer). */
export function TargetPicker({
  value,
  onChange,
  errorAt = () => undefined,
}: {
  value: TargetChoice;
  onChange: (t: TargetChoice) => void;
  errorAt?: (path: string) => string | undefined;
}) {
  const trpc = useTRPC();
  const project = useProject();
  const projectId = project.slug;
  const deployments = useQuery({ ...trpc.serving.deployments.list.queryOptions({ projectId }), enabled: value.kind === "deployment" });
  const models = useQuery({ ...trpc.registry.models.list.queryOptions({ projectId, limit: 200 }), enabled: value.kind === "model" });
  const versions = useQuery({
    ...trpc.registry.versions.list.queryOptions({ projectId, model: value.name, limit: 200, status: ["ready"] }),
    enabled: value.kind === "model" && !!value.name,
  });
  const routers = useQuery({ ...trpc.routing.list.queryOptions({ projectId }), enabled: value.kind === "router" });
  const fromPrompt = value.kind !== "predictions" && value.templateSource === "prompt";
  const prompts = useQuery({ ...trpc.registry.prompts.list.queryOptions({ projectId, limit: 200 }), enabled: fromPrompt });
  const promptVersions = useQuery({
    ...trpc.registry.prompts.versions.queryOptions({ projectId, name: value.promptName, limit: 200 }),
    enabled: fromPrompt && !!value.promptName,
  });
  const labels = prompts.data?.items.find((p) => p.name === value.promptName)?.labels ?? [];
  // only deployments and models that generate text can answer a dataset's rows
  const deploymentNames = (deployments.data ?? []).filter((d) => d.task === "chat" || d.task === "completion").map((d) => d.name);
  const modelList = (models.data?.items ?? []).filter((m) => !m.task || GENERATES.has(m.task));
  const aliases = modelList.find((m) => m.name === value.name)?.aliases ?? [];
  const routerNames = (routers.data ?? []).filter((r) => r.active).map((r) => r.name);
  const set = (patch: Partial<TargetChoice>) => onChange({ ...value, ...patch });
  const live = value.kind !== "predictions";
  const nameError = errorAt("name") && value.kind !== "predictions" ? WHAT[value.kind] : undefined;

  return (
    <div className="flex flex-col gap-4">
      <div className="grid gap-4 sm:grid-cols-3">
        <Field label="Target">
          <Select value={value.kind} onChange={(e) => set({ kind: e.target.value as TargetChoice["kind"], name: "" })}>
            <option value="predictions">The dataset's stored predictions</option>
            <option value="deployment">A deployment's answers</option>
            <option value="model">A registry model version's answers</option>
            <option value="router">A router's answers</option>
          </Select>
        </Field>
        {value.kind === "deployment" && (
          <Field
            label="Deployment"
            error={nameError}
            hint={deployments.isPending ? "Loading deployments…" : "Chat and completion deployments"}
          >
            <Select value={value.name} onChange={(e) => set({ name: e.target.value })}>
              <option value="">Pick a deployment…</option>
              {deploymentNames.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </Select>
          </Field>
        )}
        {value.kind === "model" && (
          <>
            <Field label="Model" error={nameError} hint={models.isPending ? "Loading models…" : "Served without a deployment"}>
              <Select value={value.name} onChange={(e) => set({ name: e.target.value, ref: "production" })}>
                <option value="">Pick a model…</option>
                {modelList.map((m) => (
                  <option key={m.id} value={m.name}>
                    {m.name}
                  </option>
                ))}
              </Select>
            </Field>
            <Field label="Alias or version" error={errorAt("ref")}>
              <Select value={value.ref} onChange={(e) => set({ ref: e.target.value })} disabled={!value.name}>
                {!aliases.some((a) => a.alias === value.ref) && !/^\d+$/.test(value.ref) && <option value={value.ref}>{value.ref}</option>}
                {aliases.length > 0 && (
                  <optgroup label="Aliases">
                    {aliases.map((a) => (
                      <option key={a.alias} value={a.alias}>
                        {a.alias} (v{a.version})
                      </option>
                    ))}
                  </optgroup>
                )}
                {(versions.data?.items ?? []).length > 0 && (
                  <optgroup label="Versions">
                    {(versions.data?.items ?? []).map((v) => (
                      <option key={v.id} value={String(v.version)}>
                        version {v.version}
                        {v.aliases.length ? ` (${v.aliases.join(", ")})` : ""}
                      </option>
                    ))}
                  </optgroup>
                )}
              </Select>
            </Field>
          </>
        )}
        {value.kind === "router" && (
          <Field label="Router" error={nameError} hint={routers.isPending ? "Loading routers…" : "Each item records which target answered"}>
            <Select value={value.name} onChange={(e) => set({ name: e.target.value })}>
              <option value="">Pick a router…</option>
              {routerNames.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </Select>
          </Field>
        )}
      </div>
      {live && (
        <>
          <p className="text-xs text-slate-500">
            Target <code className="font-mono">{targetSpec(value)}</code>
          </p>
          <div className="grid gap-4 sm:grid-cols-3">
            <Field label="Template from" hint="A registry prompt brings its text or messages and its config">
              <Select
                value={value.templateSource}
                onChange={(e) => set({ templateSource: e.target.value as TargetChoice["templateSource"] })}
              >
                <option value="template">A template typed here</option>
                <option value="prompt">A registry prompt</option>
              </Select>
            </Field>
            {fromPrompt && (
              <>
                <Field
                  label="Prompt"
                  error={errorAt("prompt.name") ?? errorAt("prompt")}
                  hint={prompts.isPending ? "Loading prompts…" : "Its {{variables}} are filled from each row's input"}
                >
                  <Select value={value.promptName} onChange={(e) => set({ promptName: e.target.value, promptRef: "production" })}>
                    <option value="">Pick a prompt…</option>
                    {(prompts.data?.items ?? []).map((p) => (
                      <option key={p.name} value={p.name}>
                        {p.name}
                      </option>
                    ))}
                  </Select>
                </Field>
                <Field label="Prompt label or version" error={errorAt("prompt.label") ?? errorAt("prompt.version")}>
                  <Select value={value.promptRef} onChange={(e) => set({ promptRef: e.target.value })} disabled={!value.promptName}>
                    {!labels.some((l) => l.label === value.promptRef) && !/^\d+$/.test(value.promptRef) && (
                      <option value={value.promptRef}>{value.promptRef}</option>
                    )}
                    {labels.length > 0 && (
                      <optgroup label="Labels">
                        {labels.map((l) => (
                          <option key={l.label} value={l.label}>
                            {l.label} (v{l.version})
                          </option>
                        ))}
                      </optgroup>
                    )}
                    {(promptVersions.data?.items ?? []).length > 0 && (
                      <optgroup label="Versions">
                        {(promptVersions.data?.items ?? []).map((v) => (
                          <option key={v.id} value={String(v.version)}>
                            version {v.version}
                          </option>
                        ))}
                      </optgroup>
                    )}
                  </Select>
                </Field>
              </>
            )}
          </div>
          <div className="grid gap-4 sm:grid-cols-4">
            {!fromPrompt && (
              <Field label="Template kind" hint={value.kind === "router" ? "A router routes chat calls" : "Chat: one user message"}>
                <Select
                  value={value.kind === "router" ? "chat" : value.templateKind}
                  disabled={value.kind === "router"}
                  onChange={(e) => set({ templateKind: e.target.value as TargetChoice["templateKind"] })}
                >
                  <option value="chat">Chat</option>
                  <option value="completion">Completion</option>
                </Select>
              </Field>
            )}
            <Field label="Max tokens" error={errorAt("params.maxTokens")} hint="Optional; else the target's default">
              <Input inputMode="numeric" value={value.maxTokens} onChange={(e) => set({ maxTokens: e.target.value })} />
            </Field>
            <Field label="Temperature" error={errorAt("params.temperature")} hint="Optional, 0 to 2">
              <Input inputMode="decimal" value={value.temperature} onChange={(e) => set({ temperature: e.target.value })} />
            </Field>
            <Field label="Seed" error={errorAt("params.seed")} hint="Optional">
              <Input inputMode="numeric" value={value.seed} onChange={(e) => set({ seed: e.target.value })} />
            </Field>
          </div>
          {!fromPrompt && (
            <Field
              label="Prompt template"
              error={errorAt("template.text") ?? errorAt("template")}
              hint={
                <>
                  Filled from each row: <code>{"{{input}}"}</code> (the input, as text or JSON), <code>{"{{input.KEY}}"}</code> (a field of
                  an object input), <code>{"{{metadata.KEY}}"}</code>, <code>{"{{references.0}}"}</code>. A row that cannot fill a
                  placeholder is named before the run starts.
                </>
              }
            >
              <Textarea rows={4} value={value.text} onChange={(e) => set({ text: e.target.value })} className="font-mono" />
            </Field>
          )}
        </>
      )}
    </div>
  );
}
