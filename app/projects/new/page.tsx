"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect } from "react";
import type { z } from "zod";
import { applyServerError, emptyToUndefined, FormError, FormField, useZodForm, ZodForm } from "@/app/_components/form";
import { Logo } from "@/app/_components/Logo";
import { Button, Input } from "@/app/_components/ui";
import { errorCode } from "@/app/_lib/errors";
import { useTRPC } from "@/app/_lib/trpc";
import { createProjectInput } from "@/server/workspace/inputs";

export default function NewProjectPage() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const me = useQuery(trpc.workspace.auth.me.queryOptions());
  const create = useMutation(trpc.workspace.projects.create.mutationOptions());
  const form = useZodForm(createProjectInput, { name: "" });

  useEffect(() => {
    if (errorCode(me.error) === "UNAUTHORIZED" || errorCode(create.error) === "UNAUTHORIZED") router.replace("/sign-in?next=/projects/new");
  }, [me.error, create.error, router]);

  async function submit(values: z.output<typeof createProjectInput>) {
    try {
      const project = await create.mutateAsync(values);
      await queryClient.invalidateQueries({ queryKey: trpc.workspace.projects.list.queryKey() });
      router.push(`/${project.slug}`);
    } catch (err) {
      // a slug derived from the name is checked on the server only: its refusal lands under Slug too
      applyServerError(form, err, ["name", "slug"]);
    }
  }

  return (
    <main className="flex min-h-screen flex-col items-center justify-center px-4 py-12">
      <div className="mb-8">
        <Link href="/" className="rounded-md">
          <Logo />
        </Link>
      </div>
      <div className="w-full max-w-md rounded-xl border border-slate-200 bg-white p-8 shadow-sm">
        <h1 className="text-lg font-semibold tracking-tight text-slate-900">Create a project</h1>
        <p className="mt-1 mb-6 text-sm text-slate-500">
          A project holds models, logs, datasets and the people and keys that reach them. You will be its owner.
        </p>
        <ZodForm form={form} onSubmit={submit} label="Create a project">
          <FormError />
          <FormField name="name" label="Name">
            <Input autoFocus {...form.register("name")} placeholder="Support assistant" />
          </FormField>
          <FormField
            name="slug"
            label={
              <>
                Slug <span className="font-normal text-slate-400">(optional)</span>
              </>
            }
            hint="Used in URLs and the API. Lower-case letters, digits and hyphens; derived from the name when left empty."
          >
            <Input {...form.register("slug", { setValueAs: emptyToUndefined })} placeholder="support-assistant" spellCheck={false} />
          </FormField>
          <div className="mt-1 flex items-center justify-end gap-2">
            <Button variant="ghost" onClick={() => (window.history.length > 1 ? router.back() : router.push("/"))}>
              Cancel
            </Button>
            <Button type="submit" variant="primary" loading={create.isPending || create.isSuccess}>
              Create project
            </Button>
          </div>
        </ZodForm>
      </div>
    </main>
  );
}
