"use client";

import { useQuery } from "@tanstack/react-query";
import type { Dispatch, ReactNode, SetStateAction } from "react";
import { Field, Input, Select } from "@/app/_components/ui";
import { fieldError } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";

type Deployment = RouterOutputs["serving"]["deployments"]["list"][number];
type Provider = RouterOutputs["serving"]["providers"]["list"][number];

/** What a deployment serves and what it costs, as typed into a form (New and Edit deployment). */
export interface TargetDraft {
  modelName: string;
  modelRef: string;
  provider: string;
  providerModel: string;
  inPrice: string;
  outPrice: string;
}

/** The form's starting values: a saved deployment's, or a new one's. */
export function targetDraft(d?: Deployment): TargetDraft {
  return {
    modelName: d?.modelName ?? "",
    modelRef: d?.modelRef ?? "production",
    provider: d?.provider ?? "",
    providerModel: d?.providerModel ?? "",
    inPrice: String(d?.inputPricePer1k ?? 0),
    outPrice: String(d?.outputPricePer1k ?? 0),
  };
}

export const TARGET_FIELDS = ["modelName", "modelRef", "provider", "providerModel", "inputPricePer1k", "outputPricePer1k"];

/** The target and prices for the API, or why they cannot be sent. */
export function toTarget(kind: "local" | "provider", t: TargetDraft) {
  const inputPricePer1k = Number(t.inPrice || "0");
  const outputPricePer1k = Number(t.outPrice || "0");
  if (!Number.isFinite(inputPricePer1k) || !Number.isFinite(outputPricePer1k)) return "Prices are numbers (dollars per 1k tokens).";
  return {
    ...(kind === "local"
      ? { modelName: t.modelName.trim() || undefined, modelRef: t.modelRef.trim() || "production" }
      : { provider: t.provider || undefined, providerModel: t.providerModel.trim() || undefined }),
    inputPricePer1k,
    outputPricePer1k,
  };
}

/**
 * The registry model or provider a deployment serves, then its prices (with `children` as more fields in the prices' row).
 * `examples`: placeholders and the alias hint, for a new deployment.
 */
export function TargetFields({
  kind,
  value: t,
  onChange,
  error,
  examples = false,
  columns,
  children,
}: {
  kind: "local" | "provider";
  value: TargetDraft;
  onChange: Dispatch<SetStateAction<TargetDraft>>;
  error: unknown;
  examples?: boolean;
  columns: "sm:grid-cols-2" | "sm:grid-cols-3";
  children?: ReactNode;
}) {
  const trpc = useTRPC();
  const project = useProject();
  const providers = useQuery(trpc.serving.providers.list.queryOptions({ projectId: project.slug }));
  const set = (patch: Partial<TargetDraft>) => onChange((prev) => ({ ...prev, ...patch }));
  return (
    <>
      {kind === "local" ? (
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label="Registry model" error={fieldError(error, "modelName")}>
            <Input
              value={t.modelName}
              onChange={(e) => set({ modelName: e.target.value })}
              placeholder={examples ? "tiny-gpt2" : undefined}
            />
          </Field>
          <Field label="Alias or version" error={fieldError(error, "modelRef")} hint={examples ? "Follows alias moves." : undefined}>
            <Input value={t.modelRef} onChange={(e) => set({ modelRef: e.target.value })} />
          </Field>
        </div>
      ) : (
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label="Provider" error={fieldError(error, "provider")}>
            <Select value={t.provider} onChange={(e) => set({ provider: e.target.value })}>
              <option value="">Pick a provider…</option>
              {(providers.data ?? []).map((p) => (
                <option key={p.id} value={p.name}>
                  {p.name}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Upstream model" error={fieldError(error, "providerModel")}>
            <Input
              value={t.providerModel}
              onChange={(e) => set({ providerModel: e.target.value })}
              placeholder={examples ? "gpt-4o-mini" : undefined}
            />
          </Field>
        </div>
      )}
      <div className={`grid gap-4 ${columns}`}>
        <Field label="Input price per 1k tokens ($)" error={fieldError(error, "inputPricePer1k")}>
          <Input type="number" min={0} step="any" value={t.inPrice} onChange={(e) => set({ inPrice: e.target.value })} />
        </Field>
        <Field label="Output price per 1k tokens ($)" error={fieldError(error, "outputPricePer1k")}>
          <Input type="number" min={0} step="any" value={t.outPrice} onChange={(e) => set({ outPrice: e.target.value })} />
        </Field>
        {children}
      </div>
    </>
  );
}

/** A provider's limits, as typed into a form (New and Edit provider). */
export interface LimitsDraft {
  timeoutMs: string;
  maxRetries: string;
  maxConcurrency: string;
}

/** The form's starting values: a saved provider's, or a new one's. */
export function limitsDraft(p?: Provider): LimitsDraft {
  return {
    timeoutMs: String(p?.timeoutMs ?? 60_000),
    maxRetries: String(p?.maxRetries ?? 2),
    maxConcurrency: String(p?.maxConcurrency ?? 16),
  };
}

export const LIMIT_FIELDS = ["timeoutMs", "maxRetries", "maxConcurrency"];

/** The limits for the API, or why they cannot be sent. */
export function toLimits(l: LimitsDraft) {
  const [timeoutMs, maxRetries, maxConcurrency] = [l.timeoutMs, l.maxRetries, l.maxConcurrency].map(Number) as [number, number, number];
  if (![timeoutMs, maxRetries, maxConcurrency].every(Number.isInteger)) return "Timeout, retries and concurrency are whole numbers.";
  return { timeoutMs, maxRetries, maxConcurrency };
}

/** Timeout, retries and concurrency of a provider (with `children` as more fields in their row). */
export function LimitsFields({
  value: l,
  onChange,
  error,
  columns,
  children,
}: {
  value: LimitsDraft;
  onChange: Dispatch<SetStateAction<LimitsDraft>>;
  error: unknown;
  columns: "sm:grid-cols-3" | "sm:grid-cols-4";
  children?: ReactNode;
}) {
  const set = (patch: Partial<LimitsDraft>) => onChange((prev) => ({ ...prev, ...patch }));
  return (
    <div className={`grid gap-4 ${columns}`}>
      <Field label="Timeout (ms)" error={fieldError(error, "timeoutMs")}>
        <Input type="number" min={100} value={l.timeoutMs} onChange={(e) => set({ timeoutMs: e.target.value })} />
      </Field>
      <Field label="Max retries" error={fieldError(error, "maxRetries")}>
        <Input type="number" min={0} max={10} value={l.maxRetries} onChange={(e) => set({ maxRetries: e.target.value })} />
      </Field>
      <Field label="Max concurrency" error={fieldError(error, "maxConcurrency")}>
        <Input type="number" min={1} value={l.maxConcurrency} onChange={(e) => set({ maxConcurrency: e.target.value })} />
      </Field>
      {children}
    </div>
  );
}
