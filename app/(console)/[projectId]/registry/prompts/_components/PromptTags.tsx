"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Alert, Badge, Button, Field, Input } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { useTRPC } from "@/app/_lib/trpc";
import { useRegistryRefresh } from "../../_components/AliasPanel";

/** A prompt's tags as badges (none: nothing); the list's filter reads the same words. */
export function TagBadges({ tags }: { tags: string[] }) {
  return (
    <span className="flex flex-wrap gap-1">
      {tags.map((t) => (
        <Badge key={t} tone="indigo">
          {t}
        </Badge>
      ))}
    </span>
  );
}

/**
 * The prompt page's tags: shown to all, edited inline by engineers up (comma or space separated). They
 * belong to the prompt, not a version, so saving makes no new version; the server checks each tag.
 */
export function PromptTags({ name }: { name: string }) {
  const trpc = useTRPC();
  const project = useProject();
  const canWrite = atLeast(project.role, "engineer");
  const refresh = useRegistryRefresh();
  const latest = useQuery(trpc.registry.prompts.get.queryOptions({ projectId: project.slug, name, label: "latest" }));
  const tags = latest.data?.tags ?? [];
  const [editing, setEditing] = useState<string | null>(null);
  const save = useMutation(
    trpc.registry.prompts.setTags.mutationOptions({
      onSuccess: async () => {
        setEditing(null);
        await refresh();
      },
    }),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate({ projectId: project.slug, name, tags: (editing ?? "").split(/[\s,]+/).filter(Boolean) });
  };

  if (latest.isError) return <Alert>Could not load the tags: {errorMessage(latest.error)}</Alert>;
  if (editing === null)
    return (
      <span className="flex flex-wrap items-center gap-2">
        {tags.length ? <TagBadges tags={tags} /> : <span className="text-slate-500">No tags</span>}
        {canWrite && latest.data && (
          <Button size="sm" variant="ghost" onClick={() => setEditing(tags.join(", "))}>
            Edit tags
          </Button>
        )}
      </span>
    );
  return (
    <form onSubmit={submit} className="flex flex-wrap items-end gap-2">
      <Field
        label="Tags"
        hint="Comma or space separated; shared by all versions"
        error={save.isError ? errorMessage(save.error) : undefined}
        className="w-80"
      >
        <Input value={editing} onChange={(e) => setEditing(e.target.value)} placeholder="support, faq" />
      </Field>
      <Button type="submit" size="sm" variant="primary" loading={save.isPending}>
        Save tags
      </Button>
      <Button size="sm" variant="ghost" onClick={() => setEditing(null)}>
        Cancel
      </Button>
    </form>
  );
}
