"use client";

import { useQuery } from "@tanstack/react-query";
import { Button, Td } from "@/app/_components/ui";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { enc } from "@/app/_lib/url";

export const routerHref = (slug: string, name: string) => `/${slug}/routing/${enc(name)}`;

/** A table row's Edit button, in its own cell; `label` names the row ("Edit deployment small"). */
export function EditCell({ label, onClick }: { label: string; onClick: () => void }) {
  return (
    <Td className="text-right">
      <Button size="sm" variant="ghost" aria-label={label} onClick={onClick}>
        Edit
      </Button>
    </Td>
  );
}

/** The project's deployment names (router targets), for selects. */
export function useDeploymentNames(): string[] {
  const trpc = useTRPC();
  const project = useProject();
  const deployments = useQuery(trpc.serving.deployments.list.queryOptions({ projectId: project.slug }));
  return (deployments.data ?? []).map((d) => d.name);
}

export const formatPercent = (v: number) => `${(v * 100).toFixed(v > 0 && v < 0.1 ? 1 : 0)}%`;
