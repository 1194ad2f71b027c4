"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { z } from "zod";
import { applyServerError, FormError, FormField, toNumber, useZodForm, ZodForm } from "@/app/_components/form";
import { Button, Input, Select } from "@/app/_components/ui";
import { useTRPC } from "@/app/_lib/trpc";
import { buildFromLogsFields, ratingCondition } from "@/server/datasets/inputs";

const RANGES = [
  { key: "24h", label: "Last 24 hours", ms: 24 * 3600_000 },
  { key: "7d", label: "Last 7 days", ms: 7 * 24 * 3600_000 },
  { key: "30d", label: "Last 30 days", ms: 30 * 24 * 3600_000 },
  { key: "all", label: "Any time", ms: null },
] as const;
const list = (text: string) =>
  text
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean);

/**
 * The build as the server's buildFromLogs input checks it (name, rating, format, dedupe, held-out
 * share), with the form's own boxes (model, tags, time range) that become the trace filter.
 */
const buildForm = buildFromLogsFields.pick({ name: true, format: true, dedupe: true, heldOut: true }).extend({
  model: z.string().trim().max(200, "a model name is at most 200 characters"),
  tags: z.string(),
  range: z.enum(RANGES.map((r) => r.key) as [(typeof RANGES)[number]["key"], ...(typeof RANGES)[number]["key"][]]),
  // both boxes empty: no rating condition; else the server's ratingCondition
  rating: z.object({ name: z.string().trim(), min: ratingCondition.shape.min }).transform((r, ctx) => {
    if (!r.name && r.min === undefined) return undefined;
    const checked = ratingCondition.safeParse(r);
    if (checked.success) return checked.data;
    for (const issue of checked.error.issues) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
    return z.NEVER;
  }),
});

/** "3 traces skipped: not text chats; 1 duplicate." (empty when none were). */
export function skippedText(s: { notChat: number; duplicates: number } | undefined): string {
  if (!s || s.notChat + s.duplicates === 0) return "";
  const parts = [
    ...(s.notChat ? [`${s.notChat.toLocaleString()} not text chat${s.notChat === 1 ? "" : "s"}`] : []),
    ...(s.duplicates ? [`${s.duplicates.toLocaleString()} duplicate${s.duplicates === 1 ? "" : "s"}`] : []),
  ];
  const n = s.notChat + s.duplicates;
  return ` ${n.toLocaleString()} trace${n === 1 ? "" : "s"} skipped: ${parts.join("; ")}.`;
}

/**
 * A new dataset version from logged traces, filtered on model, tags, time and a rating: as traces
 * (input, output as reference) or as chat SFT rows; optionally deduplicated and split (a held-out share).
 */
export function BuildFromLogs({ projectId }: { projectId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const build = useMutation(trpc.datasets.buildFromLogs.mutationOptions());
  const form = useZodForm(buildForm, { name: "", model: "", tags: "", range: "7d", rating: { name: "" }, format: "traces", dedupe: false });

  async function submit({ model, tags, range, ...values }: z.output<typeof buildForm>) {
    build.reset();
    const ms = RANGES.find((r) => r.key === range)?.ms ?? null;
    const tagList = list(tags);
    try {
      await build.mutateAsync({
        projectId,
        ...values,
        filter: {
          from: ms === null ? undefined : new Date(Date.now() - ms),
          models: model ? [model] : undefined,
          tags: tagList.length ? tagList : undefined,
        },
      });
    } catch (err) {
      // "no traces match" names the filter: it shows above the button, as do a lost connection or a refused role
      return applyServerError(form, err, ["name", "rating.name", "rating.min", "format", "heldOut"]);
    }
    await queryClient.invalidateQueries({ queryKey: trpc.datasets.pathKey() });
  }

  const v = build.data;
  return (
    <ZodForm form={form} onSubmit={submit} label="Build from logs">
      <div className="grid gap-4 sm:grid-cols-3">
        <FormField name="name" label="Dataset name" hint="Existing name: adds a version. New name: creates the dataset.">
          <Input {...form.register("name")} placeholder="support-answers" maxLength={200} />
        </FormField>
        <FormField name="model" label="Model" hint="Optional; exact model name.">
          <Input {...form.register("model")} placeholder="gpt-4o-mini" maxLength={200} />
        </FormField>
        <FormField name="tags" label="Tags" hint="Optional; comma-separated, traces carrying all of them.">
          <Input {...form.register("tags")} placeholder="support, en" />
        </FormField>
        <FormField name="range" label="Time range">
          <Select {...form.register("range")}>
            {RANGES.map((r) => (
              <option key={r.key} value={r.key}>
                {r.label}
              </option>
            ))}
          </Select>
        </FormField>
        <FormField name="rating.name" label="Rating name" hint="Optional; keep traces rated with it.">
          <Input {...form.register("rating.name")} placeholder="thumbs" maxLength={100} />
        </FormField>
        <FormField name="rating.min" label="Minimum rating" hint="Optional; with a rating name.">
          <Input type="number" inputMode="decimal" step="any" {...form.register("rating.min", { setValueAs: toNumber })} />
        </FormField>
        <FormField
          name="format"
          label="Format"
          hint="Chat SFT rows: messages in, the assistant's answer as reference; other traces are skipped."
        >
          <Select {...form.register("format")}>
            <option value="traces">traces (input and output as logged)</option>
            <option value="chat">chat SFT rows</option>
          </Select>
        </FormField>
        <FormField
          name="heldOut"
          label="Held-out share"
          hint="Optional, 0–0.9: this share goes to split test, the rest to train. Blank: no split."
        >
          <Input type="number" inputMode="decimal" min={0} max={0.9} step={0.05} {...form.register("heldOut", { setValueAs: toNumber })} />
        </FormField>
        <label className="flex items-center gap-2 self-center text-sm text-slate-700">
          <input type="checkbox" {...form.register("dedupe")} className="size-4 rounded border-slate-300" />
          Drop duplicates
        </label>
      </div>
      <FormError />
      {v && (
        <p role="status" className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
          {v.created
            ? `Built ${build.variables?.name} version ${v.version} (${v.rowCount.toLocaleString()} rows).${skippedText(v.skipped)}`
            : `Same content as version ${v.version} of ${build.variables?.name}; nothing new was added.${skippedText(v.skipped)}`}
        </p>
      )}
      <div>
        <Button type="submit" variant="primary" loading={build.isPending}>
          Build version
        </Button>
      </div>
    </ZodForm>
  );
}
