"use client";

import Link from "next/link";
import { useFormContext } from "react-hook-form";
import { FormField, toNumber } from "@/app/_components/form";
import { Alert, Input, Select } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import type { TuningMethod } from "@/server/tuning/inputs";
import { datasetNameForView, type LaunchValues } from "./launch-schema";

/** The launch form's "Saved logs view" source: which traces become the job's dataset version. */

type ViewsQuery = { data?: { name: string; query: string }[]; isPending: boolean; error: unknown };

/** The "Saved logs view" source: which traces (a saved explorer view, a rating), the split and the dataset they become. */
export function LogsSource({ slug, method, views }: { slug: string; method: TuningMethod; views: ViewsQuery }) {
  const { register, watch, setValue, getFieldState } = useFormContext<LaunchValues>();
  const viewName = watch("fromLogs.view");
  const items = views.data ?? [];
  const logsHref = `/${slug}/logs`;
  if (views.isPending) return <p className="text-sm text-slate-500">Loading the saved views…</p>;
  if (views.error) return <Alert>Could not load the saved views: {errorMessage(views.error)}</Alert>;
  if (items.length === 0)
    return (
      <p role="status" className="text-sm text-slate-600">
        This project has no saved logs views yet. Filter traces in the{" "}
        <Link href={logsHref} className="font-medium text-indigo-600 hover:text-indigo-500">
          logs explorer
        </Link>{" "}
        and save the view, then pick it here.
      </p>
    );
  const view = items.find((v) => v.name === viewName);
  // the dataset name follows the view (sft-<view>) until it is edited
  const followView = (v: string) => {
    if (!getFieldState("fromLogs.name").isDirty) setValue("fromLogs.name", v ? datasetNameForView(v) : "");
  };
  return (
    <div className="grid gap-4 sm:grid-cols-3">
      <FormField
        name="fromLogs.view"
        label="Saved view"
        hint={
          view ? (
            <>
              Traces matching <code className="font-mono">{view.query || "(all traces)"}</code>;{" "}
              {method === "head" ? "input and output" : "chat SFT rows"}.
            </>
          ) : (
            <>
              From the{" "}
              <Link href={logsHref} className="font-medium text-indigo-600 hover:text-indigo-500">
                logs explorer
              </Link>
              .
            </>
          )
        }
      >
        <Select {...register("fromLogs.view", { onChange: (e) => followView(e.target.value) })}>
          <option value="">Pick a view…</option>
          {items.map((v) => (
            <option key={v.name} value={v.name}>
              {v.name}
            </option>
          ))}
        </Select>
      </FormField>
      <FormField name="fromLogs.name" label="Dataset name" hint="The version built from the view goes here.">
        <Input {...register("fromLogs.name")} maxLength={200} placeholder="sft-<view>" />
      </FormField>
      <FormField name="fromLogs.heldOut" label="Held-out share" hint="0.05–0.5 of rows for the eval run.">
        <Input
          type="number"
          inputMode="decimal"
          min={0.05}
          max={0.5}
          step={0.05}
          {...register("fromLogs.heldOut", { setValueAs: toNumber })}
        />
      </FormField>
      <FormField name="fromLogs.rating.name" label="Rating name" hint="Optional; keep traces rated with it.">
        <Input {...register("fromLogs.rating.name")} placeholder="thumbs" maxLength={100} />
      </FormField>
      <FormField name="fromLogs.rating.min" label="Minimum rating" hint="Optional; with a rating name.">
        <Input type="number" inputMode="decimal" step="any" {...register("fromLogs.rating.min", { setValueAs: toNumber })} />
      </FormField>
      <label className="flex items-center gap-2 self-center text-sm text-slate-700">
        <input type="checkbox" {...register("fromLogs.dedupe")} className="size-4 rounded border-slate-300" />
        Drop duplicates
      </label>
    </div>
  );
}
