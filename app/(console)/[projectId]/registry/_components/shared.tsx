"use client";

import { Badge, type Tone } from "@/app/_components/ui";
import { enc } from "@/app/_lib/url";

export const modelHref = (slug: string, model: string) => `/${slug}/registry/models/${enc(model)}`;
export const versionHref = (slug: string, model: string, version: number) => `${modelHref(slug, model)}/versions/${version}`;
export const artifactHref = (slug: string, model: string, version: number, path: string) =>
  `/api/v1/registry/models/${enc(model)}/versions/${version}/artifacts/${path.split("/").map(enc).join("/")}?project=${enc(slug)}`;

export const experimentHref = (slug: string, id: string) => `/${slug}/registry/experiments/${enc(id)}`;
export const runHref = (slug: string, runId: string) => `/${slug}/registry/runs/${enc(runId)}`;
export const compareHref = (slug: string, runIds: string[]) => `/${slug}/registry/compare?runs=${runIds.map(enc).join(",")}`;
export const runArtifactHref = (slug: string, runId: string, path: string) =>
  `/api/v1/runs/${enc(runId)}/artifacts/${path.split("/").map(enc).join("/")}?project=${enc(slug)}`;

/** Bytes in the unit that reads best (1 kB = 1000 bytes, as disks and downloads count). */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return "—";
  if (bytes < 1000) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let v = bytes / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** A metric value: integers as they are, others with up to 4 significant decimals. */
export function formatValue(v: unknown): string {
  if (typeof v === "number") {
    if (!Number.isFinite(v)) return String(v);
    if (Number.isInteger(v)) return String(v);
    return Math.abs(v) >= 1000 ? v.toFixed(1) : String(+v.toPrecision(4));
  }
  if (v === null || v === undefined) return "—";
  return typeof v === "string" ? v : JSON.stringify(v);
}

const VERSION_TONES: Record<string, Tone> = { ready: "green", pending_upload: "blue", failed: "red", archived: "gray" };
export function VersionStatus({ status }: { status: string }) {
  return <Badge tone={VERSION_TONES[status] ?? "gray"}>{status.replace("_", " ")}</Badge>;
}

const REQUEST_TONES: Record<string, Tone> = { pending: "amber", approved: "green", rejected: "red", cancelled: "gray" };
export function RequestStatus({ status }: { status: string }) {
  return <Badge tone={REQUEST_TONES[status] ?? "gray"}>{status}</Badge>;
}

export function AliasBadge({ alias, version }: { alias: string; version?: number }) {
  return (
    <Badge tone={alias === "production" ? "green" : alias === "staging" ? "blue" : "indigo"}>
      @{alias}
      {version !== undefined ? ` → v${version}` : ""}
    </Badge>
  );
}

/** A key → value list (params, metrics, metadata); values as text. */
export function KeyValues({ label, values, empty = "None." }: { label: string; values: Record<string, unknown>; empty?: string }) {
  const keys = Object.keys(values).sort();
  if (keys.length === 0) return <p className="text-sm text-slate-500">{empty}</p>;
  return (
    <dl aria-label={label} className="grid grid-cols-[minmax(8rem,max-content)_1fr] gap-x-4 gap-y-1 text-sm">
      {keys.map((k) => (
        <div key={k} className="contents">
          <dt className="font-mono text-xs leading-5 text-slate-500">{k}</dt>
          <dd className="leading-5 break-all text-slate-800 tabular-nums">{formatValue(values[k])}</dd>
        </div>
      ))}
    </dl>
  );
}
