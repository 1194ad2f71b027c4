"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { type FormEvent, useState } from "react";
import { Button, Field, Input, Select } from "../../../../_components/ui";
import { fieldError, formError } from "../../../../_lib/errors";
import { useProject } from "../../../../_lib/project";
import { useTRPC } from "../../../../_lib/trpc";
import { initialKindState, type Kind, KindEditor, type KindState, toConfig } from "./KindEditor";
import { Alert, Done, routerHref, useDeploymentNames } from "./shared";

const KINDS: { value: Kind; label: string }[] = [
  { value: "rules", label: "Rules (conditions → target)" },
  { value: "split", label: "Split (weighted, sticky)" },
  { value: "cascade", label: "Cascade (small, then large if checks fail)" },
  { value: "learned", label: "Learned (trained from ratings or evals)" },
];

export function NewRouter() {
  const trpc = useTRPC();
  const project = useProject();
  const queryClient = useQueryClient();
  const deployments = useDeploymentNames();
  const create = useMutation(trpc.routing.create.mutationOptions());
  const [name, setName] = useState("");
  const [kind, setKind] = useState<Kind>("rules");
  const [state, setState] = useState<KindState>(initialKindState);
  const [fallbacks, setFallbacks] = useState<string[]>([]);
  const [exact, setExact] = useState(false);
  const [semantic, setSemantic] = useState("");
  const [local, setLocal] = useState<string | null>(null);
  const [created, setCreated] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setLocal(null);
    setCreated(null);
    create.reset();
    const trimmed = name.trim();
    if (!trimmed) return setLocal("Enter a router name.");
    const threshold = semantic.trim() ? Number(semantic) : null;
    if (threshold !== null && !Number.isFinite(threshold)) return setLocal("The semantic threshold is a number between 0.5 and 1.");
    const config = toConfig(kind, state);
    if (typeof config === "string") return setLocal(config);
    try {
      const r = await create.mutateAsync({
        projectId: project.id,
        name: trimmed,
        kind,
        config,
        fallbacks,
        cache: { exact, semantic: threshold, ttlSeconds: 3600 },
        active: true,
      });
      setCreated(r.name);
      setName("");
      setState(initialKindState);
      setFallbacks([]);
      await queryClient.invalidateQueries({ queryKey: trpc.routing.list.pathKey() });
    } catch {
      // shown from create.error
    }
  }

  const error = local ?? formError(create.error, ["name", "fallbacks", "cache"]);
  return (
    <form onSubmit={submit} noValidate aria-label="New router" className="flex flex-col gap-4">
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Router name" error={fieldError(create.error, "name")} hint="Called as model: router:<name>.">
          <Input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} placeholder="support" />
        </Field>
        <Field label="Kind">
          <Select value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
            {KINDS.map((k) => (
              <option key={k.value} value={k.value}>
                {k.label}
              </option>
            ))}
          </Select>
        </Field>
      </div>
      <KindEditor kind={kind} state={state} onChange={setState} deployments={deployments} />
      <div className="grid gap-4 sm:grid-cols-3">
        <Field label="Fallbacks" hint="Tried in order when the chosen target fails (ctrl/cmd-click for several).">
          <Select
            multiple
            value={fallbacks}
            onChange={(e) => setFallbacks(Array.from(e.target.selectedOptions, (o) => o.value))}
            className="h-24 py-1"
          >
            {deployments.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Semantic cache threshold" hint="Cosine similarity 0.5–1 to reuse an answer; empty: off.">
          <Input type="number" min={0.5} max={1} step={0.01} value={semantic} onChange={(e) => setSemantic(e.target.value)} />
        </Field>
        <label className="flex items-center gap-2 self-center text-sm text-slate-700">
          <input type="checkbox" checked={exact} onChange={(e) => setExact(e.target.checked)} className="size-4 rounded border-slate-300" />
          Exact response cache
        </label>
      </div>
      {error && <Alert>{error}</Alert>}
      {created && (
        <Done>
          Created router {created}.{" "}
          <Link href={routerHref(project.slug, created)} className="font-medium underline">
            Open {created}
          </Link>
        </Done>
      )}
      <div>
        <Button type="submit" variant="primary" loading={create.isPending}>
          Create router
        </Button>
      </div>
    </form>
  );
}
