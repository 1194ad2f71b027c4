"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Controller } from "react-hook-form";
import { z } from "zod";
import { applyServerError, CheckboxList, FormError, FormField, textList, useZodForm, ZodForm } from "@/app/_components/form";
import { Badge, Button, Done, Input, Table, Td, Th, When } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useTRPC } from "@/app/_lib/trpc";
import { createPoolInput } from "@/server/tuning/inputs";
import { FORM_BOX, Listed, Section } from "./AdminSection";

/** Worker pools: the projects whose jobs a pooled token's workers are offered. */
export function WorkerPools() {
  const trpc = useTRPC();
  const pools = useQuery(trpc.tuning.pools.list.queryOptions());
  return (
    <Section id="pools-heading" title="Worker pools">
      <Listed
        query={pools}
        items={pools.data ?? []}
        what="worker pools"
        empty="No pool yet: a token without one is offered every project's jobs."
      >
        {(items) => (
          <Table label="Worker pools">
            <thead>
              <tr>
                <Th>Name</Th>
                <Th>Projects</Th>
                <Th>Created</Th>
              </tr>
            </thead>
            <tbody>
              {items.map((p) => (
                <tr key={p.id}>
                  <Td className="font-mono text-xs">{p.name}</Td>
                  <Td>
                    {p.projects === null ? (
                      <span className="text-slate-500">every project</span>
                    ) : (
                      <span className="flex flex-wrap gap-1">
                        {p.projects.length === 0 ? (
                          <span className="text-slate-400">—</span>
                        ) : (
                          p.projects.map((s) => <Badge key={s}>{s}</Badge>)
                        )}
                      </span>
                    )}
                  </Td>
                  <Td>
                    <When at={p.createdAt} />
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Listed>
      <NewPool />
    </Section>
  );
}

/**
 * The server's createPoolInput, its projects in two parts: the admin's own ticked, others typed by slug
 * (an admin need not be a member of every project). The typed box is `projects`: the field the
 * server's "no project …" names.
 */
const poolForm = z.object({
  name: createPoolInput.shape.name,
  picked: z.array(z.string()),
  projects: textList(createPoolInput.shape.projects.unwrap(), /[\s,]+/),
});

function NewPool() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const mine = useQuery(trpc.workspace.projects.list.queryOptions({ limit: 200 }));
  const create = useMutation(trpc.tuning.pools.create.mutationOptions());
  const form = useZodForm(poolForm, { name: "", picked: [], projects: "" });
  async function submit({ name, picked, projects }: z.output<typeof poolForm>) {
    try {
      await create.mutateAsync({ name, projects: [...new Set([...picked, ...projects])] });
    } catch (err) {
      return applyServerError(form, err, ["name", "projects"]);
    }
    form.reset();
    await queryClient.invalidateQueries({ queryKey: trpc.tuning.pools.list.queryKey() });
  }
  return (
    <ZodForm form={form} onSubmit={submit} label="New worker pool" className={FORM_BOX}>
      <FormError />
      {create.isSuccess && !create.isPending && <Done>Created pool {create.data.name}.</Done>}
      <FormField name="name" label="Pool name" hint="Letters, digits, '.', '_' or '-'." className="max-w-xs">
        <Input {...form.register("name")} autoComplete="off" />
      </FormField>
      {mine.isError ? (
        <p className="text-xs text-red-600">Could not load your projects: {errorMessage(mine.error)}</p>
      ) : (
        <Controller
          control={form.control}
          name="picked"
          render={({ field }) => (
            <CheckboxList
              label="Projects"
              options={(mine.data?.items ?? []).map((p) => p.slug)}
              value={field.value}
              onChange={field.onChange}
              empty="You are a member of no project; name them below."
            />
          )}
        />
      )}
      <FormField
        name="projects"
        label="Other projects (slugs)"
        hint="Projects you are not a member of, separated by commas. None ticked or named: every project."
        className="max-w-md"
      >
        <Input {...form.register("projects")} autoComplete="off" spellCheck={false} />
      </FormField>
      <div>
        <Button type="submit" variant="primary" loading={create.isPending}>
          Create pool
        </Button>
      </div>
    </ZodForm>
  );
}
