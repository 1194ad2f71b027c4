"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { linkClass } from "@/app/_components/classes";
import { BackLink, ErrorBox, PageHeader, Skeleton } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { formatCost } from "@/app/_lib/format";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { keyHref } from "../../settings/_components/keySpend";
import { RANGES, type RangeKey, rangeWindow } from "../../settings/_components/limits";
import { RangePicker } from "../../settings/_components/RangePicker";
import { type SpendRow, SpendTable } from "../_components/SpendTable";

type Group = { group: string | null; requests: number; tokens: number; cost: number };

const rowsOf = (groups: Group[], label: (g: string | null) => SpendRow["label"]): SpendRow[] =>
  groups.map((g) => ({ key: g.group ?? "(none)", label: label(g.group), requests: g.requests, tokens: g.tokens, cost: g.cost }));

const none = (what: string) => <span className="text-slate-500 italic">{what}</span>;

/**
 * The team's gateway spend over a range: per secret key (named from the key list), per caller
 * `user` and per deployment, most spent first. Engineers and up (the spend procedures' role).
 */
export default function TeamSpendPage() {
  const trpc = useTRPC();
  const project = useProject();
  const [range, setRange] = useState<RangeKey>("7d");
  const [anchor, setAnchor] = useState(() => ({ range, now: new Date() }));
  if (anchor.range !== range) setAnchor({ range, now: new Date() });
  const w = rangeWindow(range, anchor.now);
  const team = useQuery(
    trpc.routing.spend.team.queryOptions({ projectId: project.slug, from: w.from, to: w.to }, { placeholderData: keepPreviousData }),
  );
  const keys = useQuery(trpc.workspace.keys.list.queryOptions({ projectId: project.slug, includeRevoked: true, limit: 200 }));
  const names = new Map((keys.data?.items ?? []).map((k) => [k.id, k]));
  const total = (team.data?.byKey ?? []).reduce((s, g) => s + g.cost, 0);

  return (
    <div className="flex flex-col gap-4">
      <BackLink href={`/${project.slug}/routing`}>Routing</BackLink>
      <PageHeader
        title="Team spend"
        description="What the gateway's calls with secret keys cost, per key, per caller (the request's user) and per deployment."
        actions={<RangePicker value={range} onChange={setRange} />}
      />
      {team.isError ? (
        <ErrorBox title="Could not load the spend" message={errorMessage(team.error)} onRetry={() => void team.refetch()} />
      ) : team.isPending ? (
        <Skeleton rows={6} />
      ) : (
        <div
          className={team.isPlaceholderData ? "flex flex-col gap-4 opacity-60" : "flex flex-col gap-4"}
          aria-busy={team.isPlaceholderData}
        >
          <p className="text-sm text-slate-600">
            {RANGES[range].label}: <span className="font-semibold text-slate-900 tabular-nums">{formatCost(total)}</span> over{" "}
            {team.data.byKey.length} {team.data.byKey.length === 1 ? "key" : "keys"}.
          </p>
          <SpendTable
            title="Per key"
            description="Every call a secret key made through the gateway."
            column="Key"
            empty="No gateway calls with a secret key in this range."
            rows={rowsOf(team.data.byKey, (id) => {
              const k = id ? names.get(id) : undefined;
              if (!id) return none("unknown key");
              return (
                <Link href={keyHref(project.slug, id)} className={linkClass}>
                  {k ? k.name : `${id.slice(0, 8)}…`}
                </Link>
              );
            })}
          />
          <SpendTable
            title="Per user"
            description="By the user the request named (the OpenAI `user` field or the trace's user id)."
            column="User"
            empty="No gateway calls in this range."
            rows={rowsOf(team.data.byUser, (u) => u ?? none("no user given"))}
          />
          <SpendTable
            title="Per deployment"
            description="By the deployment that served the call."
            column="Deployment"
            empty="No gateway calls in this range."
            rows={rowsOf(team.data.byDeployment, (d) => d ?? none("no deployment"))}
          />
        </div>
      )}
    </div>
  );
}
