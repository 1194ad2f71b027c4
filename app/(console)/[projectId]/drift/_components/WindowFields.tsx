"use client";

import { useQuery } from "@tanstack/react-query";
import { Field, Input, Select } from "@/app/_components/ui";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import type { Draft } from "./draft";
import type { ErrorAt, Patch } from "./SourceFields";

/** The reference and current windows, the minimum rows per window and the drift share of a monitor. */
export function WindowFields({ draft, set, errorAt }: { draft: Draft; set: Patch; errorAt: ErrorAt }) {
  const trpc = useTRPC();
  const project = useProject();
  const r = draft.reference;
  const c = draft.current;
  const datasets = useQuery(trpc.datasets.list.queryOptions({ projectId: project.slug, limit: 200 }, { enabled: r.kind === "dataset" }));
  const ref = (p: Partial<Draft["reference"]>) => set({ reference: { ...r, ...p } });
  const cur = (p: Partial<Draft["current"]>) => set({ current: { ...c, ...p } });
  return (
    <fieldset className="flex flex-col gap-4">
      <legend className="mb-2 text-sm font-semibold text-slate-900">Windows</legend>
      <div className="grid gap-4 sm:grid-cols-3">
        <Field label="Current window" error={errorAt("config.current", true)}>
          <Select
            value={c.kind === "range" ? "range" : c.window}
            onChange={(e) =>
              e.target.value === "range"
                ? cur({ kind: "range" })
                : cur({ kind: "sliding", window: e.target.value as "hour" | "day" | "week" })
            }
          >
            <option value="hour">the last hour before each run</option>
            <option value="day">the last day before each run</option>
            <option value="week">the last week before each run</option>
            <option value="range">a fixed range</option>
          </Select>
        </Field>
        {c.kind === "range" && (
          <>
            <Field label="Current from" hint="Your local time." error={errorAt("config.current.from")}>
              <Input type="datetime-local" value={c.from} onChange={(e) => cur({ from: e.target.value })} />
            </Field>
            <Field label="Current to" error={errorAt("config.current.to")}>
              <Input type="datetime-local" value={c.to} onChange={(e) => cur({ to: e.target.value })} />
            </Field>
          </>
        )}
      </div>
      <div className="grid gap-4 sm:grid-cols-3">
        <Field label="Reference" error={errorAt("config.reference", true) ?? errorAt("config.reference.kind")}>
          <Select value={r.kind} onChange={(e) => ref({ kind: e.target.value as Draft["reference"]["kind"] })}>
            <option value="previous">the window before the current one</option>
            <option value="range">a fixed range of the same traffic</option>
            <option value="dataset">a dataset version</option>
          </Select>
        </Field>
        {r.kind === "range" && (
          <>
            <Field label="Reference from" hint="Your local time." error={errorAt("config.reference.from")}>
              <Input type="datetime-local" value={r.from} onChange={(e) => ref({ from: e.target.value })} />
            </Field>
            <Field label="Reference to" error={errorAt("config.reference.to")}>
              <Input type="datetime-local" value={r.to} onChange={(e) => ref({ to: e.target.value })} />
            </Field>
          </>
        )}
        {r.kind === "dataset" && (
          <>
            <Field label="Dataset" hint="Its rows' input, output and metadata columns." error={errorAt("config.reference.dataset")}>
              <Input
                value={r.dataset}
                onChange={(e) => ref({ dataset: e.target.value })}
                list="drift-datasets"
                placeholder="support-intents"
              />
            </Field>
            <Field label="Version" hint="Empty: the latest." error={errorAt("config.reference.version")}>
              <Input inputMode="numeric" value={r.version} onChange={(e) => ref({ version: e.target.value })} placeholder="latest" />
            </Field>
            <datalist id="drift-datasets">
              {(datasets.data?.items ?? []).map((d) => (
                <option key={d.id} value={d.name} />
              ))}
            </datalist>
          </>
        )}
      </div>
      <div className="grid gap-4 sm:grid-cols-3">
        <Field
          label="Minimum rows per window"
          hint="Fewer rows in either window: not enough data, never no drift."
          error={errorAt("config.minSamples")}
        >
          <Input inputMode="numeric" value={draft.minSamples} onChange={(e) => set({ minSamples: e.target.value })} />
        </Field>
        <Field
          label="Drift share"
          hint="Dataset drift when at least this share (0 to 1) of the tested columns drift."
          error={errorAt("config.driftShare")}
        >
          <Input inputMode="decimal" value={draft.driftShare} onChange={(e) => set({ driftShare: e.target.value })} />
        </Field>
      </div>
    </fieldset>
  );
}
