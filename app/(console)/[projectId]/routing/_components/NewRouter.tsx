"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import type { z } from "zod";
import { applyServerError, FormError, FormField, useZodForm, ZodForm } from "@/app/_components/form";
import { Button, Done, Input, Select } from "@/app/_components/ui";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { CacheFields } from "./CacheFields";
import { KindEditor } from "./KindEditor";
import { inFormTerms, type Kind, newRouterDraft, routerFields, routerForm } from "./routerForm";
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
  const form = useZodForm(routerForm, newRouterDraft());
  const kind = form.watch("kind");
  const [created, setCreated] = useState<string | null>(null);

  async function submit(router: z.output<typeof routerForm>) {
    setCreated(null);
    try {
      const r = await create.mutateAsync({ projectId: project.id, ...router });
      setCreated(r.name);
      // a fresh form for the next router; the kind and cache settings stay as chosen
      form.reset({ ...newRouterDraft(), kind: router.kind, cache: form.getValues("cache") });
      await queryClient.invalidateQueries({ queryKey: trpc.routing.list.pathKey() });
    } catch (err) {
      applyServerError(form, inFormTerms(err, router.kind), routerFields(form.getValues()));
    }
  }

  return (
    <ZodForm form={form} onSubmit={submit} label="New router">
      <div className="grid items-start gap-4 sm:grid-cols-2">
        <FormField name="name" label="Router name" hint="Called as model: router:<name>.">
          <Input {...form.register("name")} maxLength={100} placeholder="support" />
        </FormField>
        <FormField name="kind" label="Kind">
          <Select {...form.register("kind")}>
            {KINDS.map((k) => (
              <option key={k.value} value={k.value}>
                {k.label}
              </option>
            ))}
          </Select>
        </FormField>
      </div>
      <KindEditor kind={kind} deployments={deployments} />
      <CacheFields mode="new" deployments={deployments} />
      <FormError />
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
    </ZodForm>
  );
}
