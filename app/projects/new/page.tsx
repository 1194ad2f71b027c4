"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { type FormEvent, useEffect, useState } from "react";
import { Logo } from "@/app/_components/Logo";
import { Button, ErrorBox, Field, Input } from "@/app/_components/ui";
import { errorCode, fieldError, formError } from "@/app/_lib/errors";
import { useTRPC } from "@/app/_lib/trpc";

export default function NewProjectPage() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const me = useQuery(trpc.workspace.auth.me.queryOptions());
  const [name, setName] = useState("");
  const [slug, setSlug] = useState("");
  const create = useMutation(
    trpc.workspace.projects.create.mutationOptions({
      onSuccess: async (project) => {
        await queryClient.invalidateQueries({ queryKey: trpc.workspace.projects.list.queryKey() });
        router.push(`/${project.slug}`);
      },
    }),
  );

  useEffect(() => {
    if (errorCode(me.error) === "UNAUTHORIZED" || errorCode(create.error) === "UNAUTHORIZED") router.replace("/sign-in?next=/projects/new");
  }, [me.error, create.error, router]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ name, slug: slug.trim() || undefined });
  };

  const general = formError(create.error, ["name", "slug"]);

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
        <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
          {general && <ErrorBox title="Could not create the project" message={general} />}
          <Field label="Name" error={fieldError(create.error, "name")}>
            <Input name="name" autoFocus value={name} onChange={(e) => setName(e.target.value)} placeholder="Support assistant" />
          </Field>
          <Field
            label={
              <>
                Slug <span className="font-normal text-slate-400">(optional)</span>
              </>
            }
            hint="Used in URLs and the API. Lower-case letters, digits and hyphens; derived from the name when left empty."
            error={fieldError(create.error, "slug")}
          >
            <Input name="slug" value={slug} onChange={(e) => setSlug(e.target.value)} placeholder="support-assistant" spellCheck={false} />
          </Field>
          <div className="mt-1 flex items-center justify-end gap-2">
            <Button variant="ghost" onClick={() => (window.history.length > 1 ? router.back() : router.push("/"))}>
              Cancel
            </Button>
            <Button type="submit" variant="primary" loading={create.isPending || create.isSuccess}>
              Create project
            </Button>
          </div>
        </form>
      </div>
    </main>
  );
}
