"use client";

import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Button, Td } from "../../../../_components/ui";
import { useProject } from "../../../../_lib/project";
import { useTRPC } from "../../../../_lib/trpc";

export const enc = encodeURIComponent;
export const routerHref = (slug: string, name: string) => `/${slug}/routing/${enc(name)}`;

/** A route param as the name it was made from (Next passes it still percent-encoded). */
export function decodeParam(raw: string | undefined): string {
  if (!raw) return "";
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export function Alert({ children }: { children: ReactNode }) {
  return (
    <div role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">
      {children}
    </div>
  );
}

export function Done({ children }: { children: ReactNode }) {
  return (
    <p role="status" className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
      {children}
    </p>
  );
}

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

/** Money in dollars: small amounts keep their significant digits. */
export function formatCost(v: number): string {
  if (v === 0) return "$0";
  if (Math.abs(v) < 0.01) return `$${v.toPrecision(2)}`;
  return `$${v.toFixed(2)}`;
}

export const formatPercent = (v: number) => `${(v * 100).toFixed(v > 0 && v < 0.1 ? 1 : 0)}%`;
