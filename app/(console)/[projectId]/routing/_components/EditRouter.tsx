"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Button, Field, Input, Select } from "../../../../_components/ui";
import { fieldError, formError } from "../../../../_lib/errors";
import { useProject } from "../../../../_lib/project";
import { type RouterOutputs, useTRPC } from "../../../../_lib/trpc";
import { fromConfig, type Kind, KindEditor, type KindState, toConfig } from "./KindEditor";
import { Alert, useDeploymentNames } from "./shared";

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
  const [fallbacks, setFallbacks] = useState<string[]>(r.fallbacks);
  const [exact, setExact] = useState(r.cache.exact);
  const [semantic, setSemantic] = useState(r.cache.semantic === null ? "" : String(r.cache.semantic));
  const [ttl, setTtl] = useState(String(r.cache.ttlSeconds));
  const [local, setLocal] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setLocal(null);
    update.reset();
    const threshold = semantic.trim() ? Number(semantic) : null;
    if (threshold !== null && !Number.isFinite(threshold)) return setLocal("The semantic threshold is a number between 0.5 and 1.");
    const ttlSeconds = Number(ttl);
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) return setLocal("The cache TTL is a whole number of seconds.");
    const config = toConfig(kind, state);
    if (typeof config === "string") return setLocal(config);
    try {
      await update.mutateAsync({
        projectId: project.id,
        name: r.name,
        kind,
        config,
        fallbacks,
        cache: { exact, semantic: threshold, ttlSeconds },
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
      <div className="grid gap-4 sm:grid-cols-4">
        <Field label="Fallbacks" hint="Tried in order when the chosen target fails.">
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
        <Field label="Semantic cache threshold" error={fieldError(update.error, "cache.semantic")} hint="0.5–1; empty: off.">
          <Input type="number" min={0.5} max={1} step={0.01} value={semantic} onChange={(e) => setSemantic(e.target.value)} />
        </Field>
        <Field label="Cache TTL (s)" error={fieldError(update.error, "cache.ttlSeconds")}>
          <Input type="number" min={1} value={ttl} onChange={(e) => setTtl(e.target.value)} />
        </Field>
        <label className="flex items-center gap-2 self-center text-sm text-slate-700">
          <input type="checkbox" checked={exact} onChange={(e) => setExact(e.target.checked)} className="size-4 rounded border-slate-300" />
          Exact response cache
        </label>
      </div>
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
