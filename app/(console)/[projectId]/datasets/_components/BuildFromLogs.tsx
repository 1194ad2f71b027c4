"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Button, Field, Input, Select } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useTRPC } from "@/app/_lib/trpc";

const RANGES = [
  { key: "24h", label: "Last 24 hours", ms: 24 * 3600_000 },
  { key: "7d", label: "Last 7 days", ms: 7 * 24 * 3600_000 },
  { key: "30d", label: "Last 30 days", ms: 30 * 24 * 3600_000 },
  { key: "all", label: "Any time", ms: null },
] as const;

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
  const [name, setName] = useState("");
  const [model, setModel] = useState("");
  const [tags, setTags] = useState("");
  const [range, setRange] = useState<(typeof RANGES)[number]["key"]>("7d");
  const [ratingName, setRatingName] = useState("");
  const [ratingMin, setRatingMin] = useState("");
  const [format, setFormat] = useState<"traces" | "chat">("traces");
  const [dedupe, setDedupe] = useState(false);
  const [heldOut, setHeldOut] = useState("");
  const [local, setLocal] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setLocal(null);
    build.reset();
    const trimmed = name.trim();
    if (!trimmed) return setLocal("Enter a dataset name.");
    const min = ratingMin.trim() === "" ? undefined : Number(ratingMin);
    if (min !== undefined && !Number.isFinite(min)) return setLocal("The minimum rating must be a number.");
    if (min !== undefined && !ratingName.trim()) return setLocal("Enter the rating name the minimum applies to.");
    const share = heldOut.trim() === "" ? undefined : Number(heldOut);
    if (share !== undefined && !(Number.isFinite(share) && share >= 0 && share <= 0.9))
      return setLocal("The held-out share must be a number from 0 to 0.9 (blank: no split).");
    const tagList = tags
      .split(",")
      .map((t) => t.trim())
      .filter(Boolean);
    const ms = RANGES.find((r) => r.key === range)?.ms ?? null;
    try {
      await build.mutateAsync({
        projectId,
        name: trimmed,
        filter: {
          from: ms === null ? undefined : new Date(Date.now() - ms),
          models: model.trim() ? [model.trim()] : undefined,
          tags: tagList.length ? tagList : undefined,
        },
        rating: ratingName.trim() ? { name: ratingName.trim(), min } : undefined,
        format,
        dedupe,
        ...(share !== undefined ? { heldOut: share } : {}),
      });
      await queryClient.invalidateQueries({ queryKey: trpc.datasets.pathKey() });
    } catch {
      // shown from build.error
    }
  }

  const error = local ?? (build.error ? errorMessage(build.error) : null);
  const v = build.data;
  return (
    <form onSubmit={submit} noValidate aria-label="Build from logs" className="flex flex-col gap-4">
      <div className="grid gap-4 sm:grid-cols-3">
        <Field label="Dataset name" hint="Existing name: adds a version. New name: creates the dataset.">
          <Input value={name} onChange={(e) => setName(e.target.value)} placeholder="support-answers" maxLength={200} />
        </Field>
        <Field label="Model" hint="Optional; exact model name.">
          <Input value={model} onChange={(e) => setModel(e.target.value)} placeholder="gpt-4o-mini" maxLength={200} />
        </Field>
        <Field label="Tags" hint="Optional; comma-separated, traces carrying all of them.">
          <Input value={tags} onChange={(e) => setTags(e.target.value)} placeholder="support, en" />
        </Field>
        <Field label="Time range">
          <Select value={range} onChange={(e) => setRange(e.target.value as (typeof RANGES)[number]["key"])}>
            {RANGES.map((r) => (
              <option key={r.key} value={r.key}>
                {r.label}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Rating name" hint="Optional; keep traces rated with it.">
          <Input value={ratingName} onChange={(e) => setRatingName(e.target.value)} placeholder="thumbs" maxLength={100} />
        </Field>
        <Field label="Minimum rating" hint="Optional; with a rating name.">
          <Input type="number" inputMode="decimal" step="any" value={ratingMin} onChange={(e) => setRatingMin(e.target.value)} />
        </Field>
        <Field label="Format" hint="Chat SFT rows: messages in, the assistant's answer as reference; other traces are skipped.">
          <Select value={format} onChange={(e) => setFormat(e.target.value as "traces" | "chat")}>
            <option value="traces">traces (input and output as logged)</option>
            <option value="chat">chat SFT rows</option>
          </Select>
        </Field>
        <Field label="Held-out share" hint="Optional, 0–0.9: this share goes to split test, the rest to train. Blank: no split.">
          <Input
            type="number"
            inputMode="decimal"
            min={0}
            max={0.9}
            step={0.05}
            value={heldOut}
            onChange={(e) => setHeldOut(e.target.value)}
          />
        </Field>
        <label className="flex items-center gap-2 self-center text-sm text-slate-700">
          <input
            type="checkbox"
            checked={dedupe}
            onChange={(e) => setDedupe(e.target.checked)}
            className="size-4 rounded border-slate-300"
          />
          Drop duplicates
        </label>
      </div>
      {error && (
        <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">
          {error}
        </p>
      )}
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
    </form>
  );
}
