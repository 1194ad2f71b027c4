"use client";

import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useFormContext, useWatch } from "react-hook-form";
import { emptyToUndefined, FormField, toNumber } from "@/app/_components/form";
import { Input, Select } from "@/app/_components/ui";
import { useProject } from "@/app/_lib/project";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";

type Deployment = RouterOutputs["serving"]["deployments"]["list"][number];
type Provider = RouterOutputs["serving"]["providers"]["list"][number];

/** The form's starting target and prices (server/serving/inputs.ts deploymentInput): a saved deployment's, or a new one's. */
export function targetDefaults(d?: Deployment) {
  return {
    modelName: d?.modelName ?? undefined,
    modelRef: d?.modelRef ?? "production",
    provider: d?.provider ?? undefined,
    providerModel: d?.providerModel ?? undefined,
    inputPricePer1k: d?.inputPricePer1k ?? 0,
    outputPricePer1k: d?.outputPricePer1k ?? 0,
  };
}

/** The fields of TargetFields, where a server error naming one of them lands. */
export const TARGET_FIELDS = ["modelName", "modelRef", "provider", "providerModel", "inputPricePer1k", "outputPricePer1k"] as const;

/** What a deployment of `kind` sends of its target: a registry model, or a provider's model, never both. */
export function targetOf<
  T extends { kind: "local" | "provider"; modelName?: string; modelRef: string; provider?: string; providerModel?: string },
>(v: T) {
  const { modelName, modelRef, provider, providerModel, ...rest } = v;
  return { ...rest, ...(v.kind === "local" ? { modelName, modelRef } : { provider, providerModel }) };
}

/**
 * The registry model or provider a deployment serves, then its prices (with `children` as more fields in the prices' row),
 * registered on the surrounding ZodForm. `examples`: placeholders and the alias hint, for a new deployment.
 */
export function TargetFields({
  kind,
  examples = false,
  columns,
  children,
}: {
  kind: "local" | "provider";
  examples?: boolean;
  columns: "sm:grid-cols-2" | "sm:grid-cols-3";
  children?: ReactNode;
}) {
  const trpc = useTRPC();
  const project = useProject();
  const { register, control } = useFormContext();
  // controlled: the saved provider shows once the list (its option) has loaded
  const provider = useWatch({ control, name: "provider" }) as string | undefined;
  const providers = useQuery(trpc.serving.providers.list.queryOptions({ projectId: project.slug }));
  const text = { setValueAs: emptyToUndefined };
  return (
    <>
      {kind === "local" ? (
        <div className="grid gap-4 sm:grid-cols-2">
          <FormField name="modelName" label="Registry model">
            <Input {...register("modelName", text)} placeholder={examples ? "tiny-gpt2" : undefined} />
          </FormField>
          <FormField name="modelRef" label="Alias or version" hint={examples ? "Follows alias moves." : undefined}>
            <Input {...register("modelRef")} />
          </FormField>
        </div>
      ) : (
        <div className="grid gap-4 sm:grid-cols-2">
          <FormField name="provider" label="Provider">
            <Select {...register("provider", text)} value={provider ?? ""}>
              <option value="">Pick a provider…</option>
              {(providers.data ?? []).map((p) => (
                <option key={p.id} value={p.name}>
                  {p.name}
                </option>
              ))}
            </Select>
          </FormField>
          <FormField name="providerModel" label="Upstream model">
            <Input {...register("providerModel", text)} placeholder={examples ? "gpt-4o-mini" : undefined} />
          </FormField>
        </div>
      )}
      <div className={`grid gap-4 ${columns}`}>
        <FormField name="inputPricePer1k" label="Input price per 1k tokens ($)">
          <Input type="number" min={0} step="any" {...register("inputPricePer1k", { setValueAs: toNumber })} />
        </FormField>
        <FormField name="outputPricePer1k" label="Output price per 1k tokens ($)">
          <Input type="number" min={0} step="any" {...register("outputPricePer1k", { setValueAs: toNumber })} />
        </FormField>
        {children}
      </div>
    </>
  );
}

/** A provider's limits as the form starts (server/serving/inputs.ts providerInput): a saved provider's, or a new one's. */
export function limitsDefaults(p?: Provider) {
  return { timeoutMs: p?.timeoutMs ?? 60_000, maxRetries: p?.maxRetries ?? 2, maxConcurrency: p?.maxConcurrency ?? 16 };
}

export const LIMIT_FIELDS = ["timeoutMs", "maxRetries", "maxConcurrency"] as const;

/** Timeout, retries and concurrency of a provider (with `children` as more fields in their row), on the surrounding ZodForm. */
export function LimitsFields({ columns, children }: { columns: "sm:grid-cols-3" | "sm:grid-cols-4"; children?: ReactNode }) {
  const { register } = useFormContext();
  const num = { setValueAs: toNumber };
  return (
    <div className={`grid gap-4 ${columns}`}>
      <FormField name="timeoutMs" label="Timeout (ms)">
        <Input type="number" min={100} {...register("timeoutMs", num)} />
      </FormField>
      <FormField name="maxRetries" label="Max retries">
        <Input type="number" min={0} max={10} {...register("maxRetries", num)} />
      </FormField>
      <FormField name="maxConcurrency" label="Max concurrency">
        <Input type="number" min={1} {...register("maxConcurrency", num)} />
      </FormField>
      {children}
    </div>
  );
}
