"use client";

import type { Dispatch, SetStateAction } from "react";
import { Field, Input } from "@/app/_components/ui";
import { fieldError } from "@/app/_lib/errors";
import { TargetsSelect } from "./KindEditor";

/** A router's fallbacks and response cache, as typed into a form (New and Edit router). */
export interface CacheDraft {
  fallbacks: string[];
  exact: boolean;
  semantic: string;
  ttl: string;
}

/** The fallbacks and cache for the API, or why they cannot be sent. */
export function toCache(c: CacheDraft) {
  const semantic = c.semantic.trim() ? Number(c.semantic) : null;
  if (semantic !== null && !Number.isFinite(semantic)) return "The semantic threshold is a number between 0.5 and 1.";
  const ttlSeconds = Number(c.ttl);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) return "The cache TTL is a whole number of seconds.";
  return { fallbacks: c.fallbacks, cache: { exact: c.exact, semantic, ttlSeconds } };
}

/** Fallback targets and the response cache; editing a router also shows the cache TTL and the server's errors on them. */
export function CacheFields({
  mode,
  value: c,
  onChange,
  deployments,
  error,
}: {
  mode: "new" | "edit";
  value: CacheDraft;
  onChange: Dispatch<SetStateAction<CacheDraft>>;
  deployments: string[];
  error?: unknown;
}) {
  const edit = mode === "edit";
  const set = (patch: Partial<CacheDraft>) => onChange((prev) => ({ ...prev, ...patch }));
  return (
    <div className={`grid gap-4 ${edit ? "sm:grid-cols-4" : "sm:grid-cols-3"}`}>
      <TargetsSelect
        label="Fallbacks"
        hint="Tried in the order checked when the chosen target fails."
        value={c.fallbacks}
        onChange={(v) => set({ fallbacks: v })}
        deployments={deployments}
        ordered
      />
      <Field
        label="Semantic cache threshold"
        error={edit ? fieldError(error, "cache.semantic") : undefined}
        hint={edit ? "0.5–1; empty: off." : "Cosine similarity 0.5–1 to reuse an answer; empty: off."}
      >
        <Input type="number" min={0.5} max={1} step={0.01} value={c.semantic} onChange={(e) => set({ semantic: e.target.value })} />
      </Field>
      {edit && (
        <Field label="Cache TTL (s)" error={fieldError(error, "cache.ttlSeconds")}>
          <Input type="number" min={1} value={c.ttl} onChange={(e) => set({ ttl: e.target.value })} />
        </Field>
      )}
      <label className="flex items-center gap-2 self-center text-sm text-slate-700">
        <input
          type="checkbox"
          checked={c.exact}
          onChange={(e) => set({ exact: e.target.checked })}
          className="size-4 rounded border-slate-300"
        />
        Exact response cache
      </label>
    </div>
  );
}
