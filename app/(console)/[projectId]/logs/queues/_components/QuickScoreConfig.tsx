"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { FormProvider } from "react-hook-form";
import { z } from "zod";
import { applyServerError, FormError, FormField, useZodForm } from "@/app/_components/form";
import { Button, Input, Select } from "@/app/_components/ui";
import { useProject } from "@/app/_lib/project";
import { type RouterInputs, useTRPC } from "@/app/_lib/trpc";
import { scoreConfigInput } from "@/server/logs/inputs";
import type { ScoreConfig } from "./review";

const KINDS = {
  boolean: { label: "Yes / No", input: { dataType: "boolean" } },
  scale: { label: "Scale 1–5", input: { dataType: "numeric", min: 1, max: 5 } },
  text: { label: "Free text", input: { dataType: "text" } },
} as const satisfies Record<string, { label: string; input: Partial<RouterInputs["logs"]["scoreConfigs"]["create"]> }>;
type Kind = keyof typeof KINDS;

/** A name and one of the kinds above, checked as the server's scoreConfigInput. */
const quickForm = z
  .object({ name: z.string(), kind: z.enum(Object.keys(KINDS) as [Kind, ...Kind[]]) })
  .transform((v): z.input<typeof scoreConfigInput> => ({ name: v.name, ...KINDS[v.kind].input }))
  .pipe(scoreConfigInput);

/**
 * A small score-config maker inside the queue form (not a <form> itself: forms do not nest, so it
 * checks and sends on its button and on Enter). Categories and other ranges are made in Logs settings.
 */
export function QuickScoreConfig({ onCreated }: { onCreated: (c: ScoreConfig) => void }) {
  const trpc = useTRPC();
  const project = useProject();
  const form = useZodForm(quickForm, { name: "", kind: "boolean" });
  const create = useMutation(trpc.logs.scoreConfigs.create.mutationOptions());
  const save = form.handleSubmit(async (config) => {
    form.clearErrors("root.server");
    try {
      // The id, not the slug: the server's insert spreads the input over its own project id.
      const c = await create.mutateAsync({ projectId: project.id, ...config });
      form.reset({ name: "", kind: form.getValues("kind") });
      onCreated(c);
    } catch (err) {
      applyServerError(form, err, ["name"]);
    }
  });

  return (
    <FormProvider {...form}>
      <div className="rounded-md border border-dashed border-slate-300 bg-white p-3">
        <p className="mb-2 text-xs text-slate-500">
          A queue rates with score configs. Make one here, or with categories and other ranges in{" "}
          <Link href={`/${project.slug}/logs/settings`} className="font-medium text-indigo-600 hover:text-indigo-500">
            Logs settings
          </Link>
          .
        </p>
        <div className="mb-2 empty:hidden">
          <FormError />
        </div>
        <div className="flex flex-wrap items-start gap-2">
          <FormField name="name" label="Score name" className="min-w-40 flex-1">
            <Input
              {...form.register("name")}
              maxLength={100}
              placeholder="helpful"
              onKeyDown={(e) => {
                if (e.key === "Enter") {
                  // Enter here makes this config, not the queue of the form around it
                  e.preventDefault();
                  void save();
                }
              }}
            />
          </FormField>
          <FormField name="kind" label="Score type" className="w-36">
            <Select {...form.register("kind")}>
              {Object.entries(KINDS).map(([k, v]) => (
                <option key={k} value={k}>
                  {v.label}
                </option>
              ))}
            </Select>
          </FormField>
          <Button onClick={() => void save()} loading={create.isPending} className="mt-6.5">
            Add score
          </Button>
        </div>
      </div>
    </FormProvider>
  );
}
