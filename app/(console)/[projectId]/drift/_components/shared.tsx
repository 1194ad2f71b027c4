"use client";

import { Badge, type Tone } from "@/app/_components/ui";
import { errorField, errorMessage } from "@/app/_lib/errors";
import { enc } from "@/app/_lib/url";
import { verdictLabel } from "./format";
import type { Verdict } from "./types";

export const driftHref = (slug: string) => `/${slug}/drift`;
export const newMonitorHref = (slug: string) => `/${slug}/drift/new`;
export const monitorHref = (slug: string, monitorId: string, runId?: string | null) =>
  `/${slug}/drift/${enc(monitorId)}${runId ? `?run=${enc(runId)}` : ""}`;
export const editMonitorHref = (slug: string, monitorId: string) => `/${slug}/drift/${enc(monitorId)}/edit`;

const TONES: Record<Verdict, Tone> = { drift: "red", no_drift: "green", not_enough_data: "amber", failed: "gray" };

/** A run's (or a column's) verdict: "drift", "no drift", "not enough data" or "failed". */
export function VerdictBadge({ verdict }: { verdict: string }) {
  return <Badge tone={TONES[verdict as Verdict] ?? "gray"}>{verdictLabel(verdict)}</Badge>;
}

/** The server's message when its field is `field` or inside it (config.columns covers config.columns.0.threshold). */
export function errorAt(err: unknown, ...fields: string[]): string | undefined {
  const f = errorField(err);
  if (!err || !f) return undefined;
  return fields.some((x) => f === x || f.startsWith(`${x}.`)) ? errorMessage(err) : undefined;
}

/** A small description list item: label above value. */
export function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="flex min-w-0 flex-col gap-0.5">
      <dt className="text-xs font-medium tracking-wide text-slate-500 uppercase">{label}</dt>
      <dd className="text-sm text-slate-800">{children}</dd>
    </div>
  );
}
