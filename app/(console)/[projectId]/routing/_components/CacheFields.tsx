"use client";

import { useFormContext } from "react-hook-form";
import { FormField, toNumber } from "@/app/_components/form";
import { Input } from "@/app/_components/ui";
import { TargetsSelect } from "./KindEditor";
import type { RouterDraft } from "./routerForm";

/** An empty threshold box is no semantic cache (null), not a number the schema refuses. */
const toThreshold = (v: unknown) => (v === "" || v === null || v === undefined ? null : Number(v));

/** Fallback targets and the response cache (inside a ZodForm over routerForm); editing a router also shows the cache TTL. */
export function CacheFields({ mode, deployments }: { mode: "new" | "edit"; deployments: string[] }) {
  const { register } = useFormContext<RouterDraft>();
  const edit = mode === "edit";
  return (
    <div className={`grid items-start gap-4 ${edit ? "sm:grid-cols-4" : "sm:grid-cols-3"}`}>
      <TargetsSelect
        name="fallbacks"
        label="Fallbacks"
        hint="Tried in the order checked when the chosen target fails."
        deployments={deployments}
        ordered
      />
      <FormField
        name="cache.semantic"
        label="Semantic cache threshold"
        hint={edit ? "0.5–1; empty: off." : "Cosine similarity 0.5–1 to reuse an answer; empty: off."}
      >
        <Input type="number" min={0.5} max={1} step={0.01} {...register("cache.semantic", { setValueAs: toThreshold })} />
      </FormField>
      {edit && (
        <FormField name="cache.ttlSeconds" label="Cache TTL (s)">
          <Input type="number" min={1} {...register("cache.ttlSeconds", { setValueAs: toNumber })} />
        </FormField>
      )}
      <label className="flex items-center gap-2 self-center text-sm text-slate-700">
        <input type="checkbox" {...register("cache.exact")} className="size-4 rounded border-slate-300" />
        Exact response cache
      </label>
    </div>
  );
}
