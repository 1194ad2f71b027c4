"use client";

import { useEffect, useRef, useState } from "react";
import { useFieldArray, useWatch } from "react-hook-form";
import { FormError, FormField, useZodForm, ZodForm } from "@/app/_components/form";
import { Button, Card, PageHeader, Select, Textarea } from "@/app/_components/ui";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { type PlaygroundForm, type PlaygroundTarget, playgroundForm, playgroundParams } from "@/server/routing/inputs";
import { MessagesEditor, ParamsFields } from "./_components/InputFields";
import { ResultPanel } from "./_components/ResultPanel";
import { type RunState, runPlayground } from "./_components/run";
import { AddToDataset, SaveAsPrompt } from "./_components/SaveActions";
import { clearPlayground, loadPlayground, PLAYGROUND_DEFAULTS, type PlaygroundDraft, savePlayground } from "./_components/saved";
import { TargetFields } from "./_components/TargetFields";

const targetTitle = (t: PlaygroundTarget | undefined, i: number) =>
  !t
    ? `Target ${i + 1}`
    : t.kind === "model"
      ? t.model || `Target ${i + 1}`
      : `prompt ${t.name}${t.version ? ` v${t.version}` : t.label ? ` @${t.label}` : ""}`;

/**
 * Try any deployment, router or prompt version through the gateway (a signed-in engineer's call,
 * traced with the tag `playground`): chat or completion, parameters, streaming; "Compare" runs a
 * second target on the same input beside the first. The answers can be saved as a prompt version
 * or added to a dataset. Its inputs are kept in this browser per project (saved.ts) until "Reset".
 */
export default function PlaygroundPage() {
  const project = useProject();
  const canRun = atLeast(project.role, "engineer");
  // the saved state is read after mount (the server renders no localStorage), then the form starts from it
  const [start, setStart] = useState<{ values: PlaygroundDraft; key: number } | null>(null);
  useEffect(() => {
    setStart({ values: loadPlayground(project.slug) ?? PLAYGROUND_DEFAULTS, key: 0 });
  }, [project.slug]);
  const reset = () => {
    clearPlayground(project.slug);
    // a fresh form (and no results): remounted rather than form.reset, so every field shows its default
    setStart((s) => ({ values: PLAYGROUND_DEFAULTS, key: (s?.key ?? 0) + 1 }));
  };

  if (!canRun)
    return (
      <div className="flex flex-col gap-6">
        <PageHeader title="Playground" />
        <Card>
          <p className="text-sm text-slate-600">The playground calls models for this project; engineers and up may use it.</p>
        </Card>
      </div>
    );
  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="Playground"
        description="Try a deployment, a router or a prompt version through the gateway; every call is logged as a trace tagged playground."
      />
      {start && <Playground key={start.key} slug={project.slug} initial={start.values} onReset={reset} />}
    </div>
  );
}

function Playground({ slug, initial, onReset }: { slug: string; initial: PlaygroundDraft; onReset: () => void }) {
  const form = useZodForm(playgroundForm, initial);
  const targets = useFieldArray({ control: form.control, name: "targets" });
  const mode = useWatch({ control: form.control, name: "mode" });
  const [runs, setRuns] = useState<{ id: string; title: string; run: RunState }[]>([]);
  // one controller per target: each side of a comparison stops on its own
  const aborts = useRef<AbortController[]>([]);
  const running = runs.some((r) => r.run.status === "running");
  const stopAll = () => {
    for (const c of aborts.current) c.abort();
  };

  // every edit is saved; a run's results are not
  useEffect(() => {
    const sub = form.watch((values) => savePlayground(slug, values));
    return () => sub.unsubscribe();
  }, [form, slug]);
  // leaving the page (or Reset) stops what still runs
  useEffect(
    () => () => {
      for (const c of aborts.current) c.abort();
    },
    [],
  );

  async function submit(values: PlaygroundForm) {
    stopAll();
    const ctls = values.targets.map(() => new AbortController());
    aborts.current = ctls;
    const { targets: all, ...input } = values;
    const ids = all.map(() => crypto.randomUUID());
    setRuns(all.map((t, i) => ({ id: ids[i] as string, title: targetTitle(t, i), run: emptyRun() })));
    // both targets run at once on the same input; each panel fills as its answer streams in
    const done = await Promise.all(
      all.map((target, i) =>
        runPlayground(
          slug,
          { ...input, target },
          // by id: a run stopped by the next one reports "stopped" after the next one's panels replaced it
          (run) => setRuns((rs) => rs.map((r) => (r.id === ids[i] ? { ...r, run } : r))),
          ctls[i]?.signal,
        ),
      ),
    );
    // a refusal naming a field of the form also shows under that field
    done.forEach((run, i) => {
      const field = run.errorParam && formField(run.errorParam, i);
      if (field && run.error) form.setError(field as never, { type: "server", message: run.error }, { shouldFocus: i === 0 });
    });
  }

  const traceIds = runs.flatMap((r) => (r.run.status === "done" && r.run.traceId ? [r.run.traceId] : []));
  return (
    <>
      <Card title="Input">
        <ZodForm form={form} onSubmit={submit} label="Playground">
          <div className={targets.fields.length > 1 ? "grid gap-4 lg:grid-cols-2" : "grid gap-4"}>
            {targets.fields.map((f, i) => (
              <fieldset key={f.id} aria-label={`Target ${i + 1}`} className="flex flex-col gap-2 rounded-md border border-slate-200 p-3">
                <legend className="px-1 text-xs font-medium text-slate-500">Target {i + 1}</legend>
                <TargetFields index={i} projectId={slug} />
                {i > 0 && (
                  <div>
                    <Button variant="ghost" size="sm" onClick={() => targets.remove(i)}>
                      Remove this target
                    </Button>
                  </div>
                )}
              </fieldset>
            ))}
          </div>
          {targets.fields.length < 2 && (
            <div>
              <Button size="sm" onClick={() => targets.append({ kind: "model", model: "" })}>
                Compare
              </Button>
            </div>
          )}
          <div className="grid gap-3 sm:grid-cols-3">
            <FormField name="mode" label="Mode">
              <Select {...form.register("mode")}>
                <option value="chat">chat</option>
                <option value="completion">completion</option>
              </Select>
            </FormField>
            <label className="flex items-center gap-2 self-end pb-2 text-sm text-slate-700">
              <input type="checkbox" className="size-4 rounded border-slate-300" {...form.register("stream")} />
              Stream the answer
            </label>
          </div>
          {mode === "completion" ? (
            <FormField name="prompt" label="Text to complete">
              <Textarea rows={4} {...form.register("prompt")} />
            </FormField>
          ) : (
            <MessagesEditor />
          )}
          <details className="rounded-md border border-slate-200 px-3 py-2">
            <summary className="cursor-pointer text-sm font-medium text-slate-700">Parameters</summary>
            <div className="pt-3">
              <ParamsFields />
            </div>
          </details>
          <FormError />
          <div className="flex gap-2">
            {running ? (
              <Button key="stop" variant="primary" onClick={stopAll}>
                Stop
              </Button>
            ) : (
              <Button key="run" type="submit" variant="primary">
                Run
              </Button>
            )}
            <Button variant="ghost" onClick={onReset}>
              Reset
            </Button>
          </div>
        </ZodForm>
      </Card>

      {runs.length > 0 && (
        <div className={runs.length > 1 ? "grid gap-4 lg:grid-cols-2" : "grid gap-4"}>
          {runs.map((r, i) => (
            <ResultPanel
              key={r.id}
              projectSlug={slug}
              title={r.title}
              run={r.run}
              onStop={runs.length > 1 ? () => aborts.current[i]?.abort() : undefined}
            />
          ))}
        </div>
      )}

      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="Save as prompt version" description="The current messages (or text) and parameters as the next version of a prompt.">
          <SaveAsPrompt projectId={slug} current={() => formValues(form.getValues())} />
        </Card>
        <Card title="Add to dataset" description="The last run's answers, each its input and output, as rows of a dataset's new version.">
          <AddToDataset projectId={slug} traceIds={traceIds} />
        </Card>
      </div>
    </>
  );
}

/**
 * The form field a refusal's `param` is about, for target `i`: the request's own fields as named
 * (`params.temperature`, `messages`), the gateway's `model` and `prompt_*` fields as the target's.
 */
function formField(param: string, i: number): string | null {
  if (/^(params\.|messages|prompt$|mode$)/.test(param)) return param;
  // the gateway names a parameter as OpenAI's body does (`presence_penalty`: a local model does not apply it)
  if (param in playgroundParams.shape) return `params.${param}`;
  if (param.startsWith("target.")) return `targets.${i}.${param.slice(7)}`;
  if (param === "model") return `targets.${i}.model`;
  if (param.startsWith("prompt_variables.")) return `targets.${i}.variables.${param.slice(17)}`;
  if (param === "prompt_id") return `targets.${i}.name`;
  if (param === "prompt_version" || param === "prompt_label") return `targets.${i}.version`;
  return null;
}

const emptyRun = (): RunState => ({
  status: "running",
  text: "",
  traceId: null,
  route: null,
  usage: null,
  latencyMs: null,
  firstTokenMs: null,
  error: null,
  errorParam: null,
});

/** The form's values as typed, parsed by the schema where they fit (what "Save as prompt version" reads before any run). */
function formValues(v: unknown): PlaygroundForm | null {
  const parsed = playgroundForm.safeParse(v);
  if (parsed.success) return parsed.data;
  const raw = v as Partial<PlaygroundForm>;
  return {
    targets: raw.targets ?? [],
    mode: raw.mode ?? "chat",
    messages: raw.messages ?? [],
    prompt: raw.prompt,
    params: {},
    stream: false,
  };
}
