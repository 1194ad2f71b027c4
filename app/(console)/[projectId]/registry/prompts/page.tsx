"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useDeferredValue, useState } from "react";
import { EmptyState } from "@/app/_components/EmptyState";
import { Card, ErrorBox, Field, Input, LoadMore, PageHeader, Skeleton, Table, Td, Th, When } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { useTRPC } from "@/app/_lib/trpc";
import { RegistryNav } from "../_components/RegistryNav";
import { AliasBadge } from "../_components/shared";
import { promptHref } from "./_components/links";
import { PromptForm } from "./_components/PromptForm";
import { TagBadges } from "./_components/PromptTags";

const PAGE_SIZE = 50;

/** The project's prompts: name, latest version, labels, tags, last change (search by name, filter by tag); and a form for a new one. */
export default function PromptsPage() {
  const trpc = useTRPC();
  const project = useProject();
  const projectId = project.slug;
  const canWrite = atLeast(project.role, "engineer");
  const [search, setSearch] = useState("");
  const q = useDeferredValue(search.trim());
  const [tagInput, setTagInput] = useState("");
  const tag = useDeferredValue(tagInput.trim());
  const prompts = useInfiniteQuery(
    trpc.registry.prompts.list.infiniteQueryOptions(
      // a tag over 64 characters carries no prompt: not sent, so the server's 400 does not replace the list
      { projectId, limit: PAGE_SIZE, q: q || undefined, tag: tag && tag.length <= 64 ? tag : undefined },
      { getNextPageParam: (page) => page.nextCursor },
    ),
  );
  const items = prompts.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="Prompts"
        description="Versioned prompts (text or chat messages with {{variables}}) and labels such as production that apps fetch them by. Labels move as model aliases do: with history, rollback, approvals and eval gates."
      />
      <RegistryNav />

      {canWrite && (
        <Card title="New prompt" description="Its first version. A prompt's page adds versions, moves labels and compares versions.">
          <PromptForm />
        </Card>
      )}

      <Card
        title="All prompts"
        actions={
          <div className="flex w-full flex-wrap gap-2 sm:w-auto">
            <Field label={<span className="sr-only">Search prompts</span>} className="w-full sm:w-64">
              <Input type="search" placeholder="Search prompts" value={search} onChange={(e) => setSearch(e.target.value)} />
            </Field>
            <Field label={<span className="sr-only">Filter by tag</span>} className="w-full sm:w-40">
              <Input type="search" placeholder="Tag" value={tagInput} onChange={(e) => setTagInput(e.target.value)} />
            </Field>
          </div>
        }
      >
        {prompts.isPending ? (
          <Skeleton rows={3} />
        ) : prompts.isError ? (
          <ErrorBox title="Could not load prompts" message={errorMessage(prompts.error)} onRetry={() => void prompts.refetch()} />
        ) : items.length === 0 ? (
          q || tag ? (
            <p className="text-sm text-slate-500">
              No prompt {q ? `name contains “${q}”` : ""}
              {q && tag ? " and " : ""}
              {tag ? `is tagged “${tag}”` : ""}.
            </p>
          ) : (
            <EmptyState title="No prompts yet">
              {canWrite
                ? "Create one above, or from code: keel.prompts.create({ name, prompt })."
                : "An engineer of this project can create one."}
            </EmptyState>
          )
        ) : (
          <div className="flex flex-col gap-3">
            <Table label="Prompts">
              <thead>
                <tr>
                  <Th>Name</Th>
                  <Th className="text-right">Latest version</Th>
                  <Th>Labels</Th>
                  <Th>Tags</Th>
                  <Th>Updated</Th>
                </tr>
              </thead>
              <tbody>
                {items.map((p) => (
                  <tr key={p.name}>
                    <Td>
                      <Link href={promptHref(projectId, p.name)} className="font-medium text-indigo-600 hover:text-indigo-500">
                        {p.name}
                      </Link>
                    </Td>
                    <Td className="text-right tabular-nums">v{p.latestVersion}</Td>
                    <Td>
                      <div className="flex flex-wrap gap-1">
                        {p.labels.map((l) => (
                          <AliasBadge key={l.label} alias={l.label} version={l.version} />
                        ))}
                      </div>
                    </Td>
                    <Td>
                      <TagBadges tags={p.tags} />
                    </Td>
                    <Td>
                      <When at={p.updatedAt} />
                    </Td>
                  </tr>
                ))}
              </tbody>
            </Table>
            <LoadMore query={prompts} size="sm" />
          </div>
        )}
      </Card>
    </div>
  );
}
