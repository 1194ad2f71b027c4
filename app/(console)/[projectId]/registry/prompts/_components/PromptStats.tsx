"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useMemo, useState } from "react";
import { ErrorBox, Field, Select, Skeleton, Table, Td, Th } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { formatCost } from "@/app/_lib/format";
import { useProject } from "@/app/_lib/project";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { formatInt, formatLatency } from "../../../logs/_components/format";
import { bucketGrid, colorAt, type Grid, type Series } from "../../../logs/charts/_components/series";
import { TimeChart } from "../../../logs/charts/_components/TimeChart";
import { promptTracesHref } from "./links";

type Stats = RouterOutputs["logs"]["traces"]["promptVersionStats"];

const RANGES = [
  { key: "24h", label: "Last 24 hours", ms: 86_400_000, bucket: "hour" },
  { key: "7d", label: "Last 7 days", ms: 7 * 86_400_000, bucket: "day" },
  { key: "30d", label: "Last 30 days", ms: 30 * 86_400_000, bucket: "day" },
  { key: "all", label: "All time", ms: null, bucket: "day" },
] as const;
type RangeKey = (typeof RANGES)[number]["key"];

const mean = (v: number, dataType: string) => (dataType === "boolean" ? `${Math.round(v * 100)}%` : String(+v.toPrecision(3)));

/**
 * Calls, latency p50/p95, cost and each score's mean per version of one prompt over a time range:
 * a table per version (each links to its traces in the explorer) and time series, one line per version.
 */
export function PromptStats({ name }: { name: string }) {
  const trpc = useTRPC();
  const project = useProject();
  const [range, setRange] = useState<RangeKey>("7d");
  const r = RANGES.find((x) => x.key === range) ?? RANGES[1];
  // the range's start is fixed when it is picked, so the query key is stable between renders
  const from = useMemo(() => (r.ms === null ? undefined : new Date(Date.now() - r.ms)), [r]);
  const stats = useQuery({
    ...trpc.logs.traces.promptVersionStats.queryOptions({ projectId: project.slug, name, from, bucket: r.bucket }),
    placeholderData: keepPreviousData,
  });

  return (
    <div className="flex flex-col gap-4">
      <Field label="Stats range" className="w-44">
        <Select value={range} onChange={(e) => setRange(e.target.value as RangeKey)}>
          {RANGES.map((x) => (
            <option key={x.key} value={x.key}>
              {x.label}
            </option>
          ))}
        </Select>
      </Field>
      {stats.isPending ? (
        <Skeleton rows={3} />
      ) : stats.isError ? (
        <ErrorBox title="Could not load the usage" message={errorMessage(stats.error)} onRetry={() => void stats.refetch()} />
      ) : (
        <StatsBody stats={stats.data} slug={project.slug} bucket={r.bucket} from={from} busy={stats.isPlaceholderData} />
      )}
    </div>
  );
}

function StatsBody({
  stats,
  slug,
  bucket,
  from,
  busy,
}: {
  stats: Stats;
  slug: string;
  bucket: "hour" | "day";
  from?: Date;
  busy: boolean;
}) {
  const scoreNames = [...new Map(stats.versions.flatMap((v) => v.scores.map((s) => [s.name, s.dataType]))).entries()].sort((a, b) =>
    a[0].localeCompare(b[0]),
  );
  const used = stats.versions.filter((v) => v.calls > 0);
  const grid: Grid = bucketGrid([...stats.points, ...stats.scorePoints], bucket, from?.getTime(), Date.now());
  const index = new Map(grid.times.map((t, i) => [t, i]));
  const series = (value: (p: Stats["points"][number]) => number | null, dashed?: boolean, suffix = ""): Series[] =>
    used.map((v, k) => {
      const values: (number | null)[] = grid.times.map(() => null);
      for (const p of stats.points) {
        const i = index.get(p.bucket.getTime());
        if (p.version === v.version && i !== undefined) values[i] = value(p);
      }
      return { key: `v${v.version}${suffix}`, label: `v${v.version}${suffix}`, group: `v${v.version}`, color: colorAt(k), dashed, values };
    });
  const scoreSeries = (name: string): Series[] =>
    used.map((v, k) => {
      const values: (number | null)[] = grid.times.map(() => null);
      for (const p of stats.scorePoints) {
        const i = index.get(p.bucket.getTime());
        if (p.name === name && p.version === v.version && i !== undefined) values[i] = p.mean;
      }
      return { key: `v${v.version}`, label: `v${v.version}`, color: colorAt(k), values };
    });

  return (
    <div className="flex flex-col gap-4">
      <Table label="Usage per version">
        <thead>
          <tr>
            <Th>Version</Th>
            <Th className="text-right">Calls</Th>
            <Th className="text-right">Errors</Th>
            <Th className="text-right">Latency p50</Th>
            <Th className="text-right">Latency p95</Th>
            <Th className="text-right">Cost</Th>
            {scoreNames.map(([n]) => (
              <Th key={n} className="text-right">
                {n}
              </Th>
            ))}
          </tr>
        </thead>
        <tbody>
          {stats.versions.map((v) => (
            <tr key={v.id}>
              <Td className="font-medium tabular-nums">v{v.version}</Td>
              <Td className="text-right tabular-nums">
                <Link href={promptTracesHref(slug, v.id)} className="text-indigo-600 hover:text-indigo-500" title="Show these traces">
                  {formatInt(v.calls)}
                </Link>
              </Td>
              <Td className="text-right tabular-nums">{formatInt(v.errors)}</Td>
              <Td className="text-right tabular-nums">{formatLatency(v.latencyP50)}</Td>
              <Td className="text-right tabular-nums">{formatLatency(v.latencyP95)}</Td>
              <Td className="text-right tabular-nums">{formatCost(v.cost)}</Td>
              {scoreNames.map(([n, dataType]) => {
                const s = v.scores.find((x) => x.name === n);
                return (
                  <Td key={n} className="text-right tabular-nums">
                    {s ? `${mean(s.mean, dataType)} (${s.count})` : <span className="text-slate-400">—</span>}
                  </Td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </Table>
      {used.length === 0 ? (
        <p className="text-sm text-slate-500">
          No calls in this range. Calls made with this prompt (the gateway's prompt_id, or traces logged with it) show here.
        </p>
      ) : (
        <div className="grid gap-4 lg:grid-cols-2">
          <TimeChart
            title="Calls per version"
            description={`calls per ${bucket}`}
            grid={grid}
            series={series((p) => p.calls)}
            yTitle="calls"
            format={(v) => formatInt(v)}
            integer
            legend
            busy={busy}
          />
          <TimeChart
            title="Latency per version"
            description="p50 (solid) and p95 (dashed), milliseconds"
            grid={grid}
            series={[...series((p) => p.latencyP50, false, " p50"), ...series((p) => p.latencyP95, true, " p95")]}
            yTitle="latency (ms)"
            format={(v) => formatLatency(v)}
            legend
            legendNote="Solid p50, dashed p95."
            busy={busy}
          />
          <TimeChart
            title="Cost per version"
            description={`USD per ${bucket}`}
            grid={grid}
            series={series((p) => p.cost)}
            yTitle="cost (USD)"
            format={(v) => formatCost(v)}
            legend
            busy={busy}
          />
          {scoreNames.map(([n, dataType]) => (
            <TimeChart
              key={n}
              title={`${n} per version`}
              description={dataType === "boolean" ? `share rated yes, per ${bucket}` : `mean rating, per ${bucket}`}
              grid={grid}
              series={scoreSeries(n)}
              yTitle={dataType === "boolean" ? "share yes (%)" : "mean"}
              format={(v) => mean(v, dataType)}
              yRange={dataType === "boolean" ? [0, 1] : undefined}
              axisFormat={dataType === "boolean" ? (v) => `${Math.round(v * 100)}%` : undefined}
              legend
              busy={busy}
            />
          ))}
        </div>
      )}
    </div>
  );
}
