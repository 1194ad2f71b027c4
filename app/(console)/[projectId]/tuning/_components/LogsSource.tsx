"use client";

import Link from "next/link";
import { Alert, Field, Input, Select } from "@/app/_components/ui";
import { errorField, errorMessage } from "@/app/_lib/errors";
import type { TuningMethod } from "@/server/tuning";

/** The launch form's "Saved logs view" source: which traces become the job's dataset version. */

/**
 * A server 400 about one of the logs source's fields ("fromLogs.heldOut: Too big…", or the build's own
 * "filter" / "format" / "rating" errors), shown under `label` beside that field.
 */
function sourceError(err: unknown, fields: string[], label: string): string | undefined {
  const f = errorField(err);
  if (!err || !f || !fields.some((x) => f === x || f.startsWith(`${x}.`))) return undefined;
  const msg = errorMessage(err);
  return msg.startsWith(`${f}: `) ? `${label} ${msg.slice(f.length + 2)}` : msg;
}

/** Dataset names travel in URL paths: no slashes or control characters, no leading spaces. */
export const datasetNameForView = (view: string) => `sft-${view.replace(/[/\p{Cc}]/gu, "-").trim()}`.slice(0, 200);

const VIEW_FIELDS = ["fromLogs.filter", "fromLogs.view", "fromLogs.limit", "filter", "format"];
const NAME_FIELDS = ["fromLogs.name", "name", "dataset"];
const RATING_FIELDS = ["fromLogs.rating", "rating"];
const HELD_OUT_FIELDS = ["fromLogs.heldOut", "heldOut"];
/** Every field a 400 about the logs source may name: the launch form shows the rest in its general alert. */
export const LOGS_SOURCE_FIELDS = [...VIEW_FIELDS, ...NAME_FIELDS, ...RATING_FIELDS, ...HELD_OUT_FIELDS];

type ViewsQuery = { data?: { name: string; query: string }[]; isPending: boolean; error: unknown };

/** The "Saved logs view" source: which traces (a saved explorer view, a rating), the split and the dataset they become. */
export function LogsSource(props: {
  slug: string;
  method: TuningMethod;
  views: ViewsQuery;
  viewName: string;
  setViewName: (v: string) => void;
  name: string;
  setName: (v: string) => void;
  ratingName: string;
  setRatingName: (v: string) => void;
  ratingMin: string;
  setRatingMin: (v: string) => void;
  heldOut: string;
  setHeldOut: (v: string) => void;
  dedupe: boolean;
  setDedupe: (v: boolean) => void;
  err: unknown;
}) {
  const { views, err } = props;
  const items = views.data ?? [];
  const logsHref = `/${props.slug}/logs`;
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
  const view = items.find((v) => v.name === props.viewName);
  return (
    <div className="grid gap-4 sm:grid-cols-3">
      <Field
        label="Saved view"
        error={sourceError(err, VIEW_FIELDS, "Saved view:")}
        hint={
          view ? (
            <>
              Traces matching <code className="font-mono">{view.query || "(all traces)"}</code>;{" "}
              {props.method === "head" ? "input and output" : "chat SFT rows"}.
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
        <Select value={props.viewName} onChange={(e) => props.setViewName(e.target.value)}>
          <option value="">Pick a view…</option>
          {items.map((v) => (
            <option key={v.name} value={v.name}>
              {v.name}
            </option>
          ))}
        </Select>
      </Field>
      <Field label="Dataset name" error={sourceError(err, NAME_FIELDS, "Dataset name:")} hint="The version built from the view goes here.">
        <Input value={props.name} onChange={(e) => props.setName(e.target.value)} maxLength={200} placeholder="sft-<view>" />
      </Field>
      <Field label="Held-out share" error={sourceError(err, HELD_OUT_FIELDS, "Held-out share:")} hint="0.05–0.5 of rows for the eval run.">
        <Input
          type="number"
          inputMode="decimal"
          min={0.05}
          max={0.5}
          step={0.05}
          value={props.heldOut}
          onChange={(e) => props.setHeldOut(e.target.value)}
        />
      </Field>
      <Field label="Rating name" error={sourceError(err, RATING_FIELDS, "Rating:")} hint="Optional; keep traces rated with it.">
        <Input value={props.ratingName} onChange={(e) => props.setRatingName(e.target.value)} placeholder="thumbs" maxLength={100} />
      </Field>
      <Field label="Minimum rating" hint="Optional; with a rating name.">
        <Input type="number" inputMode="decimal" step="any" value={props.ratingMin} onChange={(e) => props.setRatingMin(e.target.value)} />
      </Field>
      <label className="flex items-center gap-2 self-center text-sm text-slate-700">
        <input
          type="checkbox"
          checked={props.dedupe}
          onChange={(e) => props.setDedupe(e.target.checked)}
          className="size-4 rounded border-slate-300"
        />
        Drop duplicates
      </label>
    </div>
  );
}
