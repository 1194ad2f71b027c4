"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { type FormEvent, useState } from "react";
import { Alert, Button, Done, Field, Input, Select } from "@/app/_components/ui";
import { fieldError, formError } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { type CacheDraft, CacheFields, toCache } from "./CacheFields";
import { initialKindState, type Kind, KindEditor, type KindState, toConfig } from "./KindEditor";
import { routerHref, useDeploymentNames } from "./shared";

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
  const [cache, setCache] = useState<CacheDraft>({ fallbacks: [], exact: false, semantic: "", ttl: "3600" });
  const [local, setLocal] = useState<string | null>(null);
  const [created, setCreated] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setLocal(null);
    setCreated(null);
    create.reset();
    const trimmed = name.trim();
    if (!trimmed) return setLocal("Enter a router name.");
    const cached = toCache(cache);
    if (typeof cached === "string") return setLocal(cached);
    const config = toConfig(kind, state);
    if (typeof config === "string") return setLocal(config);
    try {
      const r = await create.mutateAsync({
        projectId: project.id,
        name: trimmed,
        kind,
        config,
        ...cached,
        active: true,
      });
      setCreated(r.name);
      setName("");
      setState(initialKindState);
      setCache((c) => ({ ...c, fallbacks: [] }));
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
      <CacheFields mode="new" value={cache} onChange={setCache} deployments={deployments} />
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
