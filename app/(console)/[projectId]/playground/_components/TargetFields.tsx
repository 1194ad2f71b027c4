"use client";

import { useQuery } from "@tanstack/react-query";
import { useFormContext, useWatch } from "react-hook-form";
import { emptyToUndefined, FormField } from "@/app/_components/form";
import { Input, Select } from "@/app/_components/ui";
import { useTRPC } from "@/app/_lib/trpc";
import { promptVariableNames } from "@/server/registry/inputs";
import type { PlaygroundTarget } from "@/server/routing/inputs";

type FormShape = { targets: PlaygroundTarget[] };

/** The callable models: active chat/completion deployments and active routers (`router:<name>`). */
function useModels(projectId: string) {
  const trpc = useTRPC();
  const deployments = useQuery(trpc.serving.deployments.list.queryOptions({ projectId }));
  const routers = useQuery(trpc.routing.list.queryOptions({ projectId }));
  return {
    deployments: (deployments.data ?? []).filter((d) => d.active && (d.task === "chat" || d.task === "completion")).map((d) => d.name),
    routers: (routers.data ?? []).filter((r) => r.active).map((r) => `router:${r.name}`),
  };
}

function ModelOptions({ models: { deployments, routers } }: { models: ReturnType<typeof useModels> }) {
  return (
    <>
      <optgroup label="Deployments">
        {deployments.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </optgroup>
      {routers.length > 0 && (
        <optgroup label="Routers">
          {routers.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </optgroup>
      )}
    </>
  );
}

/**
 * One target of the playground form (`targets.<i>`): a deployment or router, or a registry prompt at
 * a label or version, with an input per `{{variable}}` of that version and an optional model override.
 */
export function TargetFields({ index, projectId }: { index: number; projectId: string }) {
  const trpc = useTRPC();
  const form = useFormContext<FormShape>();
  const at = `targets.${index}` as const;
  const target = useWatch({ control: form.control, name: at }) as PlaygroundTarget | undefined;
  // read here, not in ModelOptions: the selects re-render as the options arrive, and so show a restored model
  const models = useModels(projectId);
  const prompts = useQuery({ ...trpc.registry.prompts.list.queryOptions({ projectId, limit: 200 }), enabled: target?.kind === "prompt" });
  const promptName = target?.kind === "prompt" ? target.name : "";
  const ref = target?.kind === "prompt" ? { label: target.label, version: target.version } : {};
  const version = useQuery({
    ...trpc.registry.prompts.get.queryOptions({ projectId, name: promptName, ...ref }),
    enabled: !!promptName && (ref.label !== undefined || ref.version !== undefined),
    retry: false,
  });
  const summary = prompts.data?.items.find((p) => p.name === promptName);
  const variables = version.data
    ? promptVariableNames(version.data.type === "text" ? [version.data.prompt ?? ""] : (version.data.messages ?? []).map((m) => m.content))
    : [];

  const setKind = (kind: PlaygroundTarget["kind"]) =>
    form.setValue(at, kind === "model" ? { kind, model: "" } : { kind, name: "", variables: {} }, { shouldValidate: false });
  const pickPrompt = (name: string) => {
    const s = prompts.data?.items.find((p) => p.name === name);
    const label = s?.labels.some((l) => l.label === "production") ? "production" : undefined;
    form.setValue(at, { kind: "prompt", name, label, version: label ? undefined : s?.latestVersion, variables: {} });
  };
  const pickRef = (value: string) => {
    const [kind, v] = value.split(":") as [string, string];
    form.setValue(`${at}.label` as never, (kind === "label" ? v : undefined) as never);
    form.setValue(`${at}.version` as never, (kind === "version" ? Number(v) : undefined) as never);
    form.setValue(`${at}.variables` as never, {} as never);
  };

  return (
    <div className="flex flex-col gap-3">
      <div className="grid gap-3 sm:grid-cols-2">
        <FormField name={`${at}.kind`} label="Target">
          <Select value={target?.kind ?? "model"} onChange={(e) => setKind(e.target.value as PlaygroundTarget["kind"])}>
            <option value="model">Deployment or router</option>
            <option value="prompt">Registry prompt</option>
          </Select>
        </FormField>
        {target?.kind !== "prompt" ? (
          <FormField name={`${at}.model`} label="Model">
            {/* its value held by React too: a saved model is selected once the options load */}
            <Select {...form.register(`${at}.model` as never)} value={target?.model ?? ""}>
              <option value="">Choose one</option>
              <ModelOptions models={models} />
            </Select>
          </FormField>
        ) : (
          <FormField name={`${at}.name`} label="Prompt">
            <Select value={target.name} onChange={(e) => pickPrompt(e.target.value)}>
              <option value="">{prompts.data?.items.length === 0 ? "No prompts yet" : "Choose one"}</option>
              {prompts.data?.items.map((p) => (
                <option key={p.name} value={p.name}>
                  {p.name}
                </option>
              ))}
            </Select>
          </FormField>
        )}
      </div>
      {target?.kind === "prompt" && summary && (
        <div className="grid gap-3 sm:grid-cols-2">
          <FormField name={`${at}.version`} label="Label or version">
            <Select
              value={target.label !== undefined ? `label:${target.label}` : `version:${target.version ?? ""}`}
              onChange={(e) => pickRef(e.target.value)}
            >
              {summary.labels.map((l) => (
                <option key={`l${l.label}`} value={`label:${l.label}`}>
                  {l.label} (v{l.version})
                </option>
              ))}
              {Array.from({ length: summary.latestVersion }, (_, k) => summary.latestVersion - k).map((v) => (
                <option key={`v${v}`} value={`version:${v}`}>
                  version {v}
                </option>
              ))}
            </Select>
          </FormField>
          <FormField name={`${at}.model`} label="Model" hint="Empty: the version's config model.">
            <Select {...form.register(`${at}.model` as never, { setValueAs: emptyToUndefined })} value={target.model ?? ""}>
              <option value="">From the prompt's config</option>
              <ModelOptions models={models} />
            </Select>
          </FormField>
          {variables.map((v) => (
            <FormField key={v} name={`${at}.variables.${v}`} label={`{{${v}}}`}>
              <Input {...form.register(`${at}.variables.${v}` as never)} />
            </FormField>
          ))}
        </div>
      )}
    </div>
  );
}
