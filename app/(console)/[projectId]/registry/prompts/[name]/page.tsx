"use client";

import { useQuery } from "@tanstack/react-query";
import { useParams } from "next/navigation";
import { useState } from "react";
import { BackLink, Card, ErrorBox, PageHeader, Skeleton, When } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { useTRPC } from "@/app/_lib/trpc";
import { decodeParam } from "@/app/_lib/url";
import { AliasPanel } from "../../_components/AliasPanel";
import { ApprovalRequests } from "../../_components/ApprovalRequests";
import { PolicyEditor } from "../../_components/PolicyEditor";
import { RegistryNav } from "../../_components/RegistryNav";
import { AliasBadge } from "../../_components/shared";
import { promptsHref } from "../_components/links";
import { PromptDiff } from "../_components/PromptDiff";
import { PromptForm } from "../_components/PromptForm";
import { PromptStats } from "../_components/PromptStats";
import { PromptTags } from "../_components/PromptTags";
import { PromptVersionsTable, PromptVersionView } from "../_components/PromptVersions";

/** One prompt: its tags, its versions and their text, a new version, labels (moves, history, rollback, approvals), a diff, usage. */
export default function PromptPage() {
  const trpc = useTRPC();
  const project = useProject();
  const name = decodeParam(useParams<{ name: string }>().name);
  const P = { projectId: project.slug };
  const versions = useQuery(trpc.registry.prompts.versions.queryOptions({ ...P, name, limit: 200 }));
  const aliases = useQuery(trpc.registry.aliases.list.queryOptions({ ...P, model: name }));
  const policy = useQuery(trpc.registry.approvals.policy.queryOptions({ ...P, model: name }));
  const canWrite = atLeast(project.role, "engineer");
  const [selected, setSelected] = useState<number | null>(null);
  const back = <BackLink href={promptsHref(project.slug)}>All prompts</BackLink>;

  if (versions.isPending) return <Skeleton rows={4} />;
  if (versions.isError)
    return (
      <div className="flex flex-col gap-6">
        {back}
        <ErrorBox title="Could not load the prompt" message={errorMessage(versions.error)} onRetry={() => void versions.refetch()} />
      </div>
    );
  const items = versions.data.items;
  const newest = items[0];
  const shown = items.find((v) => v.version === selected) ?? newest;
  return (
    <div className="flex flex-col gap-6">
      <RegistryNav />
      {back}
      <PageHeader
        title={name}
        description={
          <span className="flex flex-col gap-2">
            <span>
              Prompt · {items.length} version{items.length === 1 ? "" : "s"}
              {newest && (
                <>
                  {" "}
                  · latest v{newest.version}, <When at={newest.createdAt} />
                </>
              )}
            </span>
            {(aliases.data?.length ?? 0) > 0 && (
              <span className="flex flex-wrap gap-1">
                {aliases.data?.map((a) => (
                  <AliasBadge key={a.alias} alias={a.alias} version={a.version} />
                ))}
              </span>
            )}
            <PromptTags name={name} />
          </span>
        }
      />

      <Card title="Versions" description="Newest first. Versions are immutable; labels point apps at one of them.">
        <div className="flex flex-col gap-6">
          <PromptVersionsTable versions={items} selected={shown?.version ?? null} onSelect={setSelected} />
          {shown && <PromptVersionView v={shown} />}
        </div>
      </Card>

      {canWrite && newest && (
        <Card title="New version" description="Starts from the latest version; the next number is assigned when it is created.">
          <PromptForm name={name} from={newest} />
        </Card>
      )}

      <Card title="Compare versions" description="A line diff of the text (or of each chat message, by position) and of the config.">
        <PromptDiff versions={items} />
      </Card>

      <Card
        title="Usage and ratings"
        description="The calls each version made (gateway calls with prompt_id, traces logged with it) and their ratings."
      >
        <PromptStats name={name} />
      </Card>

      <Card
        title="Labels"
        description="Names apps fetch the prompt by (production, staging, …). Guarded labels pass eval gates and approvals before they move."
      >
        {aliases.isError ? (
          <ErrorBox title="Could not load the labels" message={errorMessage(aliases.error)} onRetry={() => void aliases.refetch()} />
        ) : (
          <AliasPanel model={name} aliases={aliases.data ?? []} noun="label" />
        )}
      </Card>

      <Card title="Approval requests" description="Moves of guarded labels waiting for (or decided by) a vote.">
        <ApprovalRequests model={name} />
      </Card>

      <Card
        title="Approval policy"
        description="Gates every move must pass (eval runs of the version), and how many approvals from which roles."
      >
        {policy.isPending ? <Skeleton rows={2} /> : <PolicyEditor model={name} policy={policy.data ?? null} />}
      </Card>
    </div>
  );
}
