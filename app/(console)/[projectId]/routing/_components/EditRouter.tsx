"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { z } from "zod";
import { applyServerError, FormError, FormField, useZodForm, ZodForm } from "@/app/_components/form";
import { Button, Select } from "@/app/_components/ui";
import { useProject } from "@/app/_lib/project";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { CacheFields } from "./CacheFields";
import { KindEditor } from "./KindEditor";
import { inFormTerms, type Kind, routerDraft, routerFields, routerForm } from "./routerForm";
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
  const form = useZodForm(routerForm, routerDraft(r));
  const kind = form.watch("kind");

  async function submit(router: z.output<typeof routerForm>) {
    try {
      await update.mutateAsync({ projectId: project.id, ...router });
    } catch (err) {
      return applyServerError(form, inFormTerms(err, router.kind), routerFields(form.getValues()));
    }
    await queryClient.invalidateQueries({ queryKey: trpc.routing.pathKey() });
    onClose(true);
  }

  return (
    <ZodForm form={form} onSubmit={submit} label="Edit router">
      <FormField name="kind" label="Kind" hint={r.kind === "learned" ? "Changing the kind drops the trained model." : undefined}>
        <Select {...form.register("kind")} className="max-w-60">
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </Select>
      </FormField>
      <KindEditor kind={kind} deployments={deployments} />
      <CacheFields mode="edit" deployments={deployments} />
      <FormError />
      <div className="flex gap-2">
        <Button type="submit" variant="primary" loading={update.isPending}>
          Save changes
        </Button>
        <Button onClick={() => onClose(false)}>Cancel</Button>
      </div>
    </ZodForm>
  );
}
