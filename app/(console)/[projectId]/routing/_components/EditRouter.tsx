"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Alert, Button, Field, Select } from "@/app/_components/ui";
import { formError } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { type CacheDraft, CacheFields, toCache } from "./CacheFields";
import { fromConfig, type Kind, KindEditor, type KindState, toConfig } from "./KindEditor";
import { useDeploymentNames } from "./shared";

type RouterRow = RouterOutputs["routing"]["get"];

const KINDS: Kind[] = ["rules", "split", "cascade", "learned"];

/** Edit a saved router: its kind's config, fallbacks and cache (the name stays; it is how callers reach it). */
export function EditRouter({ router: r, onClose }: { router: RouterRow; onClose: (saved: boolean) => void }) {
  const trpc = useTRPC();
  const project = useProject();
  const queryClient = useQueryClient();
  const deployments = useDeploymentNames();
  const update = useMutation(trpc.routing.update.mutationOptions());
  const [kind, setKind] = useState<Kind>(r.kind);
  const [state, setState] = useState<KindState>(() => fromConfig(r.kind, r.config as Record<string, unknown>));
  const [cache, setCache] = useState<CacheDraft>({
    fallbacks: r.fallbacks,
    exact: r.cache.exact,
    semantic: r.cache.semantic === null ? "" : String(r.cache.semantic),
    ttl: String(r.cache.ttlSeconds),
  });
  const [local, setLocal] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setLocal(null);
    update.reset();
    const cached = toCache(cache);
    if (typeof cached === "string") return setLocal(cached);
    const config = toConfig(kind, state);
    if (typeof config === "string") return setLocal(config);
    try {
      await update.mutateAsync({
        projectId: project.id,
        name: r.name,
        kind,
        config,
        ...cached,
        active: r.active,
      });
      await queryClient.invalidateQueries({ queryKey: trpc.routing.pathKey() });
      onClose(true);
    } catch {
      // shown from update.error
    }
  }

  const error = local ?? formError(update.error, ["fallbacks", "cache"]);
  return (
    <form onSubmit={submit} noValidate aria-label="Edit router" className="flex flex-col gap-4">
      <Field label="Kind" hint={r.kind === "learned" ? "Changing the kind drops the trained model." : undefined}>
        <Select value={kind} onChange={(e) => setKind(e.target.value as Kind)} className="max-w-60">
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </Select>
      </Field>
      <KindEditor kind={kind} state={state} onChange={setState} deployments={deployments} />
      <CacheFields mode="edit" value={cache} onChange={setCache} deployments={deployments} error={update.error} />
      {error && <Alert>{error}</Alert>}
      <div className="flex gap-2">
        <Button type="submit" variant="primary" loading={update.isPending}>
          Save changes
        </Button>
        <Button onClick={() => onClose(false)}>Cancel</Button>
      </div>
    </form>
  );
}
